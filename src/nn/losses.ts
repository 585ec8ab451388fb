/**
 * Losses with Keras ids, each reduced as Keras's default
 * "sum_over_batch_size": the mean over the batch (and over outputs for
 * regression). Each writes its gradient with respect to the model output in
 * the same pass.
 *
 * - sparse_categorical_crossentropy: -log softmax(z)[label]; the output
 *   layer's softmax is fused in, so the loss reads logits z (N x C) and
 *   writes dz = (softmax(z) - onehot) / N.
 * - mse: mean (pred - target)^2;  mae: mean |pred - target|;
 *   huber: 0.5 e^2 for |e| <= delta (1.0), else delta (|e| - delta/2).
 */
import type { Backend } from "../engine/backend.js";
import { RegressionLossKind } from "../engine/backend.js";
import { ConfigError } from "../errors.js";

export type LossId = "sparse_categorical_crossentropy" | "mse" | "mae" | "huber";
export const LOSS_IDS: readonly LossId[] = [
  "sparse_categorical_crossentropy",
  "mse",
  "mae",
  "huber",
];

export const HUBER_DELTA = 1.0;

/** Sums over one batch, so epochs can average over samples exactly. */
export interface BatchStats {
  /** Sum over samples of the per-sample loss. */
  lossSum: number;
  /** Classification: samples whose argmax equals the label. */
  correct: number;
  /** Regression: sum of |error| and of error^2 over all outputs. */
  absErrorSum: number;
  squaredErrorSum: number;
}

export interface Loss {
  readonly id: LossId;
  readonly classification: boolean;
  /**
   * Computes the batch loss for output (N x outputs) against targets, writes
   * the gradient into dOutput when it is not null, and adds to `stats`.
   */
  compute(
    backend: Backend,
    output: Float32Array,
    targets: Int32Array | Float32Array,
    n: number,
    outputs: number,
    dOutput: Float32Array | null,
    stats: BatchStats,
  ): void;
}

const scratch = new Float64Array(3);

class SparseCategoricalCrossentropy implements Loss {
  readonly id = "sparse_categorical_crossentropy";
  readonly classification = true;

  compute(
    backend: Backend,
    logits: Float32Array,
    labels: Int32Array | Float32Array,
    n: number,
    classes: number,
    dlogits: Float32Array | null,
    stats: BatchStats,
  ): void {
    backend.softmaxCrossEntropy(n, classes, logits, labels as Int32Array, dlogits, 1 / n, scratch);
    stats.lossSum += scratch[0]!;
    stats.correct += scratch[1]!;
  }
}

class RegressionLoss implements Loss {
  readonly classification = false;
  private readonly kind: RegressionLossKind;

  constructor(readonly id: "mse" | "mae" | "huber") {
    this.kind = RegressionLossKind[id];
  }

  compute(
    backend: Backend,
    pred: Float32Array,
    target: Int32Array | Float32Array,
    n: number,
    outputs: number,
    dpred: Float32Array | null,
    stats: BatchStats,
  ): void {
    const size = n * outputs;
    backend.regressionLoss(this.kind, HUBER_DELTA, size, pred, target as Float32Array, dpred, 1 / size, scratch);
    // Per-sample loss is the mean over outputs, so the sum over samples is
    // the elementwise sum divided by the output count.
    stats.lossSum += scratch[0]! / outputs;
    stats.absErrorSum += scratch[1]!;
    stats.squaredErrorSum += scratch[2]!;
  }
}

const ALIASES: Record<string, LossId> = {
  mean_squared_error: "mse",
  mean_absolute_error: "mae",
  huber_loss: "huber",
};

export function createLoss(id: string): Loss {
  const resolved = (ALIASES[id] ?? id) as LossId;
  if (resolved === "sparse_categorical_crossentropy") return new SparseCategoricalCrossentropy();
  if (resolved === "mse" || resolved === "mae" || resolved === "huber") {
    return new RegressionLoss(resolved);
  }
  throw new ConfigError("loss", id, `one of ${LOSS_IDS.join(", ")}`);
}

export function emptyStats(): BatchStats {
  return { lossSum: 0, correct: 0, absErrorSum: 0, squaredErrorSum: 0 };
}
