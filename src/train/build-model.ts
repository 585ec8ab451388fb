/**
 * Builds the study's network from a run description: the hidden Dense stack
 * with the chosen kernel initializer and activation, optional batch normalization
 * before or after each hidden activation, and the output layer (softmax over
 * classes, or one linear unit for regression).
 *
 * "before" follows Ioffe and Szegedy: Dense without bias (beta takes its
 * role), then batch norm, then the activation. "after" puts batch norm after
 * each activated Dense layer, as the reference study's Keras code does.
 */
import type { Backend } from "../engine/backend.js";
import type { Rng } from "../engine/rng.js";
import { ActivationLayer } from "../nn/activation-layer.js";
import { BatchNormalization } from "../nn/batch-normalization.js";
import { Dense } from "../nn/dense.js";
import type { Layer } from "../nn/layer.js";
import { Sequential } from "../nn/sequential.js";
import { createOptimizer, type OptimizerConfig } from "../optim/index.js";
import type { RunConfig } from "./run-config.js";

export function buildModel(
  config: RunConfig,
  inputSize: number,
  outputs: number,
  backend: Backend,
  rng: Rng,
): Sequential {
  const layers: Layer[] = [];
  config.hidden.forEach((units, i) => {
    const name = `dense_${i + 1}`;
    if (config.batchNorm === "before") {
      layers.push(new Dense({ units, useBias: false, kernelInitializer: config.init, name }));
      layers.push(new BatchNormalization({ name: `batch_normalization_${i + 1}` }));
      layers.push(new ActivationLayer(config.activation, `activation_${i + 1}`));
    } else {
      layers.push(new Dense({ units, activation: config.activation, kernelInitializer: config.init, name }));
      if (config.batchNorm === "after") {
        layers.push(new BatchNormalization({ name: `batch_normalization_${i + 1}` }));
      }
    }
  });
  // The output layer keeps Keras's default glorot_uniform, as in the
  // reference study, where kernel_initializer is set on hidden layers only.
  const classification = config.dataset === "fashion-mnist";
  layers.push(
    new Dense({
      units: outputs,
      activation: classification ? "softmax" : "linear",
      name: "output",
    }),
  );
  const model = new Sequential({ layers, inputShape: [inputSize], backend, rng });
  model.compile({
    optimizer: createOptimizer(optimizerConfig(config)),
    loss: config.loss ?? (classification ? "sparse_categorical_crossentropy" : "mse"),
  });
  return model;
}

/** Collects the optimizer options of a run description. */
export function optimizerConfig(config: RunConfig): OptimizerConfig {
  const options: Record<string, unknown> = { id: config.optimizer };
  for (const key of [
    "learningRate", "momentum", "nesterov", "beta1", "beta2", "rho", "epsilon",
    "clipvalue", "clipnorm", "globalClipnorm",
  ] as const) {
    if (config[key] !== undefined) options[key] = config[key];
  }
  return options as unknown as OptimizerConfig;
}

/**
 * Conditions for SELU's self-normalization (Klambauer et al. 2017):
 * lecun_normal weights, standardized inputs and no batch normalization.
 * Returns one warning line per unmet condition; training goes ahead.
 */
export function seluWarnings(config: RunConfig, activationId: string, initId: string): string[] {
  if (activationId !== "selu") return [];
  const warnings: string[] = [];
  if (initId !== "lecun_normal") {
    warnings.push(`warning: selu self-normalizes only with init lecun_normal, got ${initId}`);
  }
  if (!config.standardize && config.dataset === "fashion-mnist") {
    warnings.push("warning: selu self-normalizes only with standardized inputs; add --standardize");
  }
  if (config.batchNorm !== "none") {
    warnings.push("warning: selu with batch normalization loses self-normalization; use --batch-norm none");
  }
  return warnings;
}
