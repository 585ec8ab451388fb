/**
 * A Keras-style progress bar as a fit() callback:
 *
 *   Epoch 3/20
 *    812/1688 [==============>...............] - ETA: 0s - 0.50ms/step - loss: 0.4521 - accuracy: 0.8402
 *   1688/1688 [==============================] - 0.9s 0.50ms/step - loss: 0.4470 - accuracy: 0.8420 - val_loss: 0.4381 - val_accuracy: 0.8460
 *
 * In-place updates are throttled to 10 per second; the sink decides whether
 * they are shown at all (only on a terminal).
 */
import type { BatchLogs, Callback, EpochLogs, History } from "./callbacks.js";

export interface ProgressSink {
  info(line: string): void;
  progress(line: string): void;
  readonly interactive: boolean;
}

const BAR_WIDTH = 30;
const UPDATE_INTERVAL_MS = 100;

export class ProgressBar implements Callback {
  private epochs = 0;
  private steps = 0;
  private lastUpdate = 0;

  constructor(private readonly sink: ProgressSink) {}

  onTrainBegin(_model: unknown, params: { epochs: number; steps: number }): void {
    this.epochs = params.epochs;
    this.steps = params.steps;
  }

  onEpochBegin(epoch: number): void {
    this.sink.info(`Epoch ${epoch}/${this.epochs}`);
    this.lastUpdate = 0;
  }

  onBatchEnd(_epoch: number, logs: BatchLogs): void {
    if (!this.sink.interactive) return;
    const now = performance.now();
    if (now - this.lastUpdate < UPDATE_INTERVAL_MS && logs.step < logs.steps) return;
    this.lastUpdate = now;
    const msPerStep = (logs.elapsedSeconds * 1000) / logs.step;
    const etaSeconds = ((logs.steps - logs.step) * msPerStep) / 1000;
    const metrics = [`loss: ${fmt(logs.loss)}`];
    if (logs.accuracy !== undefined) metrics.push(`accuracy: ${fmt(logs.accuracy)}`);
    if (logs.mae !== undefined) metrics.push(`mae: ${fmt(logs.mae)}`);
    this.sink.progress(
      `${this.counter(logs.step)} ${bar(logs.step, logs.steps)} - ETA: ${etaSeconds.toFixed(0)}s - ` +
        `${msPerStep.toFixed(2)}ms/step - ${metrics.join(" - ")}`,
    );
  }

  onEpochEnd(_epoch: number, logs: EpochLogs): void {
    const parts = [
      `${this.counter(this.steps)} ${bar(1, 1)} - ${logs.seconds.toFixed(1)}s ${logs.stepMs.toFixed(2)}ms/step`,
      ...epochMetrics(logs),
      `${logs.seconds.toFixed(2)}s`,
    ];
    this.sink.info(parts.join(" - "));
  }

  onTrainEnd(history: History): void {
    if (history.diverged) {
      const d = history.diverged;
      this.sink.info(`diverged: loss became ${d.loss} at epoch ${d.epoch}, step ${d.step}; training stopped`);
    }
    this.sink.info(`total training time: ${history.totalSeconds.toFixed(2)}s`);
  }

  private counter(step: number): string {
    const width = String(this.steps).length;
    return `${String(step).padStart(width)}/${this.steps}`;
  }
}

/** Formats the metrics of an epoch line with Keras names and 4 decimals. */
export function epochMetrics(logs: EpochLogs): string[] {
  const keys = [
    "loss", "accuracy", "mae", "rmse", "val_loss", "val_accuracy", "val_mae", "val_rmse",
  ] as const;
  const parts: string[] = [];
  for (const key of keys) {
    const value = logs[key];
    if (value !== undefined) parts.push(`${key}: ${fmt(value)}`);
  }
  if (logs.gradNorm !== undefined) parts.push(`grad_norm: ${fmt(logs.gradNorm)}`);
  return parts;
}

function bar(step: number, steps: number): string {
  const done = Math.floor((step / steps) * BAR_WIDTH);
  if (done >= BAR_WIDTH) return `[${"=".repeat(BAR_WIDTH)}]`;
  return `[${"=".repeat(done)}>${".".repeat(BAR_WIDTH - done - 1)}]`;
}

function fmt(value: number): string {
  return Number.isFinite(value) ? value.toFixed(4) : String(value);
}
