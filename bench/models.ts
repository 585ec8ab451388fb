/**
 * The benchmarked networks, each described once as a plain spec that the
 * trainlab, PyTorch, TensorFlow.js and GEMM-bound runners all build from,
 * plus the synthetic batches they train on.
 */
import type { Backend } from "../src/engine/backend.js";
import { Rng } from "../src/engine/rng.js";
import type { BatchStats } from "../src/nn/losses.js";
import { emptyStats } from "../src/nn/losses.js";
import type { Sequential } from "../src/nn/sequential.js";
import { buildModel } from "../src/train/build-model.js";
import { validateRunConfig } from "../src/train/run-config.js";

/** Hidden widths of the study MLP and of the regression net. */
export const STUDY_HIDDEN = [300, 100, 50, 50, 50] as const;

export interface ModelSpec {
  /** Short id used in tables, JSON and the `--model` filter, e.g. "relu-b32". */
  id: string;
  /** Human-readable architecture for tables. */
  label: string;
  inputs: number;
  hidden: readonly number[];
  outputs: number;
  activation: "relu" | "rrelu" | "selu";
  batchNorm: "none" | "after";
  loss: "sparse_categorical_crossentropy" | "mse";
  batch: number;
}

function fashionMlp(
  activation: ModelSpec["activation"],
  batchNorm: ModelSpec["batchNorm"],
  batch: number,
): ModelSpec {
  const suffix = batchNorm === "after" ? "-bn" : "";
  const labelSuffix = batchNorm === "after" ? " + batch norm after" : "";
  return {
    id: `${activation}${suffix}-b${batch}`,
    label: `784-300-100-50-50-50-10 ${activation}${labelSuffix}`,
    inputs: 784,
    hidden: STUDY_HIDDEN,
    outputs: 10,
    activation,
    batchNorm,
    loss: "sparse_categorical_crossentropy",
    batch,
  };
}

/** The California-housing regression net: 8 inputs, one linear output, MSE. */
export const REGRESSION_B32: ModelSpec = {
  id: "regression-b32",
  label: "8-300-100-50-50-50-1 relu, mse",
  inputs: 8,
  hidden: STUDY_HIDDEN,
  outputs: 1,
  activation: "relu",
  batchNorm: "none",
  loss: "mse",
  batch: 32,
};

export const RELU_B32 = fashionMlp("relu", "none", 32);
export const RELU_B256 = fashionMlp("relu", "none", 256);
export const BATCH_NORM_B32 = fashionMlp("relu", "after", 32);
export const RRELU_B32 = fashionMlp("rrelu", "none", 32);
export const SELU_B32 = fashionMlp("selu", "none", 32);

/** Every benchmarked model, in table order, for both the step and the peer benchmark. */
export const BENCH_MODELS: readonly ModelSpec[] = [
  RELU_B32,
  RELU_B256,
  BATCH_NORM_B32,
  RRELU_B32,
  SELU_B32,
  REGRESSION_B32,
];

/** The synthetic inputs and targets of one batch. */
export interface SyntheticBatch {
  /** batch x inputs, uniform in [0, 1) as scaled pixels, or standard normal for regression. */
  x: Float32Array;
  /** Class labels (classification) or batch x outputs targets (regression). */
  y: Int32Array | Float32Array;
}

/** Draws one batch of the spec's shapes. Its values do not affect step time. */
export function syntheticBatch(spec: ModelSpec, seed = 7): SyntheticBatch {
  const rng = new Rng(seed);
  const x = new Float32Array(spec.batch * spec.inputs);
  const regression = spec.loss === "mse";
  for (let i = 0; i < x.length; i++) x[i] = regression ? rng.normal() : rng.uniform();
  if (!regression) {
    const labels = new Int32Array(spec.batch);
    for (let i = 0; i < labels.length; i++) labels[i] = rng.int(spec.outputs);
    return { x, y: labels };
  }
  const targets = new Float32Array(spec.batch * spec.outputs);
  for (let i = 0; i < targets.length; i++) targets[i] = 1 + rng.normal();
  return { x, y: targets };
}

/** A trainlab model ready to step on its synthetic batch. */
export interface TrainlabStep {
  model: Sequential;
  batch: SyntheticBatch;
  stats: BatchStats;
  /** One training step: exactly `model.trainOnBatch`. */
  step: () => void;
}

/**
 * Builds `spec` through the CLI's path (validateRunConfig and buildModel),
 * with glorot_uniform weights and plain SGD (learning rate 0.01), the run
 * defaults.
 */
export function buildTrainlabStep(spec: ModelSpec, backend: Backend, seed = 42): TrainlabStep {
  const config = validateRunConfig({
    dataset: spec.loss === "mse" ? "california-housing" : "fashion-mnist",
    hidden: [...spec.hidden],
    activation: spec.activation,
    init: "glorot_uniform",
    batchNorm: spec.batchNorm,
    optimizer: "sgd",
    batchSize: spec.batch,
    backend: backend.name,
    seed,
  });
  const model = buildModel(config, spec.inputs, spec.outputs, backend, new Rng(seed));
  const batch = syntheticBatch(spec);
  const stats = emptyStats();
  const step = () => model.trainOnBatch(batch.x, batch.y, spec.batch, stats);
  return { model, batch, stats, step };
}

/** Returns every Dense layer's [fan_in, units], from input to output. */
export function denseShapes(spec: ModelSpec): Array<[number, number]> {
  const widths = [spec.inputs, ...spec.hidden, spec.outputs];
  return widths.slice(1).map((units, i) => [widths[i]!, units]);
}
