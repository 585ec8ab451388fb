/**
 * Callbacks observe a fit() run, as Keras callbacks do. They may read the
 * model and set `model.stopTraining` or the optimizer's learning rate, but
 * never touch batches or gradients.
 */
import type { Sequential } from "../nn/sequential.js";

/** Metrics of one epoch, with Keras names. */
export interface EpochLogs {
  loss: number;
  accuracy?: number;
  mae?: number;
  mse?: number;
  rmse?: number;
  val_loss?: number;
  val_accuracy?: number;
  val_mae?: number;
  val_mse?: number;
  val_rmse?: number;
  /** Wall time of the epoch, validation included. */
  seconds: number;
  /** Median training step time over the epoch. */
  stepMs: number;
  /** Mean pre-clip global gradient norm, when it was computed. */
  gradNorm?: number;
  learningRate: number;
}

/** Running values during an epoch, for progress display. */
export interface BatchLogs {
  step: number;
  steps: number;
  loss: number;
  accuracy?: number;
  mae?: number;
  elapsedSeconds: number;
}

export interface Callback {
  onTrainBegin?(model: Sequential, params: { epochs: number; steps: number }): void;
  onEpochBegin?(epoch: number): void;
  onBatchEnd?(epoch: number, logs: BatchLogs): void;
  onEpochEnd?(epoch: number, logs: EpochLogs): void;
  onTrainEnd?(history: History): void;
}

/** The point where the loss became NaN or infinite and training stopped. */
export interface Divergence {
  epoch: number;
  step: number;
  /** "NaN", "Infinity" or "-Infinity", as text so JSON keeps it. */
  loss: string;
}

/** The result of fit(): one entry per finished epoch. */
export interface History {
  epochs: EpochLogs[];
  /** Set when the loss became NaN or infinite; training stopped there. */
  diverged?: Divergence;
  stoppedEarly: boolean;
  /** Sum of epoch seconds: training plus validation. */
  totalSeconds: number;
}
