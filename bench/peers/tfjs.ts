/**
 * TensorFlow.js peer: the same training step with tfjs-core ops on the wasm
 * backend, with explicit tf.Variable weights and tf.train.sgd.
 *
 * NOTE: tfjs-core 4.22 registers no gradient functions by itself. The
 * @tensorflow/tfjs package registers them, and it is not installed, so
 * tf.variableGrads and optimizer.minimize fail with "gradient function not
 * found". The backward pass is therefore written out with tfjs ops, using
 * the same formulas as trainlab's Dense and BatchNormalization, and
 * maxWeightDifference checks it against trainlab. It skips the autodiff
 * tape, so these times are a lower bound of a minimize()-based step.
 *
 * The wasm binaries load from node_modules through setWasmPaths, never from
 * the network. tfjs-backend-wasm 4.22 reports no multithread support under
 * Node, and forcing the flag fails because Node rejects the blob: URLs that
 * its threaded build starts workers from. The backend runs one thread.
 */
import { createRequire } from "node:module";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { setWasmPaths, getThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { SELU_ALPHA, SELU_SCALE } from "../../src/engine/backend.js";
import { BATCH_NORM_EPSILON, BATCH_NORM_MOMENTUM } from "../../src/nn/batch-normalization.js";
import type { ModelSpec, TrainlabStep } from "../models.js";
import { denseShapes, syntheticBatch } from "../models.js";

export type TfjsStatus =
  | { available: true; tfjsCore: string; tfjsBackendWasm: string; simd: boolean; threads: number }
  | { available: false; reason: string };

const LEARNING_RATE = 0.01;

/** Selects the wasm backend with binaries from node_modules and returns what loaded. */
export async function initTfjs(): Promise<TfjsStatus> {
  try {
    const require = createRequire(import.meta.url);
    const wasmPackage = require.resolve("@tensorflow/tfjs-backend-wasm/package.json");
    const corePackage = require.resolve("@tensorflow/tfjs-core/package.json");
    setWasmPaths(`${path.join(path.dirname(wasmPackage), "dist")}${path.sep}`);
    if (!(await tf.setBackend("wasm"))) return { available: false, reason: "tf.setBackend('wasm') returned false" };
    await tf.ready();
    return {
      available: true,
      tfjsCore: (require(corePackage) as { version: string }).version,
      tfjsBackendWasm: (require(wasmPackage) as { version: string }).version,
      simd: (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) === true,
      threads: getThreadsCount(),
    };
  } catch (err) {
    return { available: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

/** Returns whether this peer implements the spec's layers. */
export function tfjsSupports(spec: ModelSpec): boolean {
  return spec.activation === "relu" || spec.activation === "selu";
}

interface DenseVariables {
  kernel: tf.Variable;
  bias: tf.Variable;
}

interface BatchNormVariables {
  gamma: tf.Variable;
  beta: tf.Variable;
  movingMean: tf.Variable;
  movingVariance: tf.Variable;
}

/** Tensors that a hidden layer's forward pass keeps for backward. */
interface HiddenCache {
  /** Activation output. */
  activated: tf.Tensor2D;
  /** Pre-activation z, or null for relu, whose mask comes from the activated output. */
  preActivation: tf.Tensor2D | null;
  xhat: tf.Tensor2D | null;
  invStd: tf.Tensor1D | null;
  /** The layer's output: the activation, or batch norm's output. */
  output: tf.Tensor2D;
}

/** A tfjs model of a spec, ready to train on its synthetic batch. */
export interface TfjsStep {
  /** Runs one training step and returns the batch loss. */
  step: () => number;
  /** Every variable, in the order of trainlab's `model.weights` for the same spec. */
  weights: tf.Variable[];
}

/**
 * Builds the spec's variables under the name prefix `name` (tfjs variable
 * names are global, so two models of one spec need two prefixes).
 */
export function buildTfjsStep(spec: ModelSpec, name = spec.id): TfjsStep {
  const shapes = denseShapes(spec);
  const dense: DenseVariables[] = shapes.map(([fanIn, units], i) => {
    const limit = Math.sqrt(6 / (fanIn + units));
    return {
      kernel: tf.variable(tf.randomUniform([fanIn, units], -limit, limit, "float32", 42 + i), true, `${name}/dense_${i}/kernel`),
      bias: tf.variable(tf.zeros([units]), true, `${name}/dense_${i}/bias`),
    };
  });
  const batchNorm: BatchNormVariables[] =
    spec.batchNorm === "after"
      ? spec.hidden.map((units, i) => ({
          gamma: tf.variable(tf.ones([units]), true, `${name}/bn_${i}/gamma`),
          beta: tf.variable(tf.zeros([units]), true, `${name}/bn_${i}/beta`),
          movingMean: tf.variable(tf.zeros([units]), false, `${name}/bn_${i}/moving_mean`),
          movingVariance: tf.variable(tf.ones([units]), false, `${name}/bn_${i}/moving_variance`),
        }))
      : [];
  const data = syntheticBatch(spec);
  const n = spec.batch;
  const x = tf.tensor2d(data.x, [n, spec.inputs]);
  const target =
    spec.loss === "mse"
      ? tf.tensor2d(data.y as Float32Array, [n, spec.outputs])
      : tf.cast(tf.oneHot(tf.tensor1d(data.y as Int32Array, "int32"), spec.outputs), "float32");
  const optimizer = tf.train.sgd(LEARNING_RATE);

  const step = () => {
    const loss = tf.tidy(() => {
      const caches: HiddenCache[] = [];
      let h = x as tf.Tensor2D;
      for (let i = 0; i < spec.hidden.length; i++) {
        const cache = forwardHidden(spec, h, dense[i]!, batchNorm[i] ?? null);
        caches.push(cache);
        h = cache.output;
      }
      const last = dense[dense.length - 1]!;
      const output = tf.fused.matMul({ a: h, b: last.kernel as tf.Tensor2D, bias: last.bias }) as tf.Tensor2D;
      const { value, dOutput } = lossAndGradient(spec, output, target as tf.Tensor2D);

      const grads: tf.NamedTensorMap = {};
      let dz = dOutput;
      for (let i = dense.length - 1; i >= 0; i--) {
        const layerInput = i === 0 ? (x as tf.Tensor2D) : caches[i - 1]!.output;
        grads[dense[i]!.kernel.name] = tf.matMul(layerInput, dz, true, false);
        grads[dense[i]!.bias.name] = tf.sum(dz, 0);
        if (i === 0) break;
        const dh = tf.matMul(dz, dense[i]!.kernel as tf.Tensor2D, false, true) as tf.Tensor2D;
        dz = backwardHidden(spec, dh, caches[i - 1]!, batchNorm[i - 1] ?? null, grads);
      }
      optimizer.applyGradients(grads);
      return value;
    });
    const value = loss.dataSync()[0]!;
    loss.dispose();
    return value;
  };
  const weights = dense.flatMap((layer, i) => {
    const bn = batchNorm[i];
    const own = [layer.kernel, layer.bias];
    return bn ? [...own, bn.gamma, bn.beta, bn.movingMean, bn.movingVariance] : own;
  });
  return { step, weights };
}

/**
 * Returns the largest absolute weight difference between this peer and
 * trainlab after `steps` training steps from the same weights. A difference
 * near float32 rounding shows that both compute the same step.
 */
export function maxWeightDifference(spec: ModelSpec, trainlab: TrainlabStep, steps = 3): number {
  const peer = buildTfjsStep(spec, `${spec.id}/check`);
  const trainlabWeights = trainlab.model.weights;
  if (trainlabWeights.length !== peer.weights.length) {
    throw new Error(`${spec.id}: trainlab has ${trainlabWeights.length} weights, the tfjs peer ${peer.weights.length}`);
  }
  peer.weights.forEach((variable, i) => variable.assign(tf.tensor(trainlabWeights[i]!.value, variable.shape)));
  for (let i = 0; i < steps; i++) {
    trainlab.step();
    peer.step();
  }
  let maxDifference = 0;
  peer.weights.forEach((variable, i) => {
    const expected = trainlabWeights[i]!.value;
    const actual = variable.dataSync();
    for (let k = 0; k < expected.length; k++) {
      maxDifference = Math.max(maxDifference, Math.abs(expected[k]! - actual[k]!));
    }
  });
  peer.weights.forEach((variable) => variable.dispose());
  return maxDifference;
}

function forwardHidden(
  spec: ModelSpec,
  input: tf.Tensor2D,
  layer: DenseVariables,
  bn: BatchNormVariables | null,
): HiddenCache {
  let activated: tf.Tensor2D;
  let preActivation: tf.Tensor2D | null = null;
  if (spec.activation === "relu") {
    activated = tf.fused.matMul({ a: input, b: layer.kernel as tf.Tensor2D, bias: layer.bias, activation: "relu" }) as tf.Tensor2D;
  } else {
    const z = tf.fused.matMul({ a: input, b: layer.kernel as tf.Tensor2D, bias: layer.bias }) as tf.Tensor2D;
    preActivation = z;
    activated = tf.selu(z);
  }
  if (!bn) {
    return { activated, preActivation, xhat: null, invStd: null, output: activated };
  }
  const { mean, variance } = tf.moments(activated, 0);
  const invStd = tf.rsqrt(tf.add(variance, BATCH_NORM_EPSILON)) as tf.Tensor1D;
  const xhat = tf.mul(tf.sub(activated, mean), invStd) as tf.Tensor2D;
  const output = tf.add(tf.mul(xhat, bn.gamma), bn.beta) as tf.Tensor2D;
  // Keras convention: moving = moving * momentum + batch * (1 - momentum).
  bn.movingMean.assign(tf.add(tf.mul(bn.movingMean, BATCH_NORM_MOMENTUM), tf.mul(mean, 1 - BATCH_NORM_MOMENTUM)));
  bn.movingVariance.assign(
    tf.add(tf.mul(bn.movingVariance, BATCH_NORM_MOMENTUM), tf.mul(variance, 1 - BATCH_NORM_MOMENTUM)),
  );
  return { activated, preActivation, xhat, invStd, output };
}

/** Returns dL/dz of a hidden layer from dL/d(its output) and adds batch-norm gradients to `grads`. */
function backwardHidden(
  spec: ModelSpec,
  dOutput: tf.Tensor2D,
  cache: HiddenCache,
  bn: BatchNormVariables | null,
  grads: tf.NamedTensorMap,
): tf.Tensor2D {
  let dActivated = dOutput;
  if (bn) {
    const xhat = cache.xhat!;
    grads[bn.gamma.name] = tf.sum(tf.mul(dOutput, xhat), 0);
    grads[bn.beta.name] = tf.sum(dOutput, 0);
    // dx = invStd / N * (N * dxhat - sum(dxhat) - xhat * sum(dxhat * xhat))
    const dxhat = tf.mul(dOutput, bn.gamma);
    const n = spec.batch;
    const centered = tf.sub(tf.sub(tf.mul(dxhat, n), tf.sum(dxhat, 0)), tf.mul(xhat, tf.sum(tf.mul(dxhat, xhat), 0)));
    dActivated = tf.mul(centered, tf.div(cache.invStd!, n)) as tf.Tensor2D;
  }
  if (spec.activation === "relu") {
    return tf.mul(dActivated, tf.step(cache.activated, 0)) as tf.Tensor2D;
  }
  // selu'(z) = scale for z > 0, else scale * alpha * exp(z) = y + scale * alpha.
  const positive = tf.greater(cache.preActivation!, 0);
  const slope = tf.where(positive, tf.fill(cache.activated.shape, SELU_SCALE), tf.add(cache.activated, SELU_SCALE * SELU_ALPHA));
  return tf.mul(dActivated, slope) as tf.Tensor2D;
}

/** Returns the batch loss (mean over samples) and dL/d(output), as trainlab's losses define them. */
function lossAndGradient(
  spec: ModelSpec,
  output: tf.Tensor2D,
  target: tf.Tensor2D,
): { value: tf.Scalar; dOutput: tf.Tensor2D } {
  const n = spec.batch;
  if (spec.loss === "mse") {
    const error = tf.sub(output, target);
    return {
      value: tf.mean(tf.square(error)) as tf.Scalar,
      dOutput: tf.mul(error, 2 / (n * spec.outputs)) as tf.Tensor2D,
    };
  }
  const logProbabilities = tf.logSoftmax(output);
  return {
    value: tf.neg(tf.mean(tf.sum(tf.mul(target, logProbabilities), 1))) as tf.Scalar,
    dOutput: tf.div(tf.sub(tf.exp(logProbabilities), target), n) as tf.Tensor2D,
  };
}
