/**
 * Learning-rate callbacks: a per-step schedule, and Keras's
 * ReduceLROnPlateau (monitor val_loss; defaults factor 0.1, patience 10,
 * min_delta 1e-4, min_lr 0).
 */
import type { Sequential } from "../nn/sequential.js";
import { exponentialDecay, type ExponentialDecayConfig } from "../optim/schedules.js";
import type { Callback, EpochLogs } from "./callbacks.js";

/** Sets the learning rate before every step from the optimizer's step count. */
export class ExponentialDecaySchedule implements Callback {
  private model: Sequential | null = null;

  constructor(private readonly config: Omit<ExponentialDecayConfig, "initialLearningRate">) {}
  private initial = 0;

  onTrainBegin(model: Sequential): void {
    this.model = model;
    this.initial = model.optimizer!.learningRate;
    this.apply();
  }

  onBatchEnd(): void {
    this.apply();
  }

  private apply(): void {
    const optimizer = this.model!.optimizer!;
    optimizer.learningRate = exponentialDecay(
      { ...this.config, initialLearningRate: this.initial },
      optimizer.iterations,
    );
  }
}

export interface ReduceLrOnPlateauOptions {
  /** @default 0.1 */
  factor?: number;
  /** Epochs without improvement before reducing. @default 10 */
  patience?: number;
  /** @default 0 */
  minLr?: number;
  /** Smallest decrease of val_loss that counts as improvement. @default 1e-4 */
  minDelta?: number;
}

export class ReduceLrOnPlateau implements Callback {
  private model: Sequential | null = null;
  private best = Infinity;
  private wait = 0;

  constructor(private readonly options: ReduceLrOnPlateauOptions = {}) {}

  onTrainBegin(model: Sequential): void {
    this.model = model;
    this.best = Infinity;
    this.wait = 0;
  }

  onEpochEnd(_epoch: number, logs: EpochLogs): void {
    const current = logs.val_loss;
    if (current === undefined) return;
    if (current < this.best - (this.options.minDelta ?? 1e-4)) {
      this.best = current;
      this.wait = 0;
      return;
    }
    this.wait++;
    if (this.wait >= (this.options.patience ?? 10)) {
      const optimizer = this.model!.optimizer!;
      optimizer.learningRate = Math.max(optimizer.learningRate * (this.options.factor ?? 0.1), this.options.minLr ?? 0);
      this.wait = 0;
    }
  }
}
