/**
 * The training loop, as Keras's `Model.fit`: epochs of shuffled mini-batches,
 * validation after each epoch, callbacks, and a history.
 *
 * - validationSplit takes the LAST fraction of the rows before shuffling, as
 *   Keras does (60,000 rows at 0.1 give 54,000 train and 6,000 validation).
 * - Batches are gathered by index into preallocated buffers, so the data set
 *   is never copied per epoch and a step allocates nothing.
 * - A loss that becomes NaN or infinite stops training at once; the history
 *   records the epoch and step (1-based) instead of epochs of NaN.
 */
import { Rng } from "../engine/rng.js";
import { ConfigError } from "../errors.js";
import { emptyStats } from "../nn/losses.js";
import type { Sequential } from "../nn/sequential.js";
import { summarize } from "../nn/sequential.js";
import type { BatchLogs, Callback, EpochLogs, History } from "./callbacks.js";

export interface FitOptions {
  /** @default 1 */
  epochs?: number;
  /** @default 32 */
  batchSize?: number;
  /** Fraction of rows, taken from the end, held out for validation. */
  validationSplit?: number;
  validationData?: { x: Float32Array; y: Int32Array | Float32Array };
  /** Reshuffle the training rows every epoch. @default true */
  shuffle?: boolean;
  /** Seeds the shuffle. @default 0 */
  seed?: number;
  callbacks?: Callback[];
  /** Batch size for validation passes. @default 1024 */
  validationBatchSize?: number;
}

export function fit(
  model: Sequential,
  x: Float32Array,
  y: Int32Array | Float32Array,
  options: FitOptions = {},
): History {
  const epochs = options.epochs ?? 1;
  const batchSize = options.batchSize ?? 32;
  const callbacks = options.callbacks ?? [];
  checkPositiveInteger("epochs", epochs);
  checkPositiveInteger("batchSize", batchSize);
  const loss = model.loss;
  const optimizer = model.optimizer;
  if (!loss || !optimizer) throw new Error("call compile() before fit()");

  const width = model.inputSize;
  const yWidth = loss.classification ? 1 : model.outputSize;
  const total = x.length / width;
  if (y.length !== total * yWidth) {
    throw new ConfigError("y.length", y.length, `${total * yWidth} targets for ${total} samples`);
  }

  // Split off validation rows as views: no copy of the data set.
  let trainCount = total;
  let validation = options.validationData;
  if (options.validationSplit !== undefined) {
    const split = options.validationSplit;
    if (!(split > 0 && split < 1)) throw new ConfigError("validationSplit", split, "a number in (0, 1)");
    trainCount = Math.floor(total * (1 - split));
    validation = { x: x.subarray(trainCount * width), y: y.subarray(trainCount * yWidth) };
  }
  if (trainCount < 1) throw new ConfigError("x", total, "at least one training sample");
  const xTrain = x.subarray(0, trainCount * width);
  const yTrain = y.subarray(0, trainCount * yWidth);

  const steps = Math.ceil(trainCount / batchSize);
  const order = new Int32Array(trainCount).map((_, i) => i);
  const shuffleRng = new Rng(options.seed ?? 0);
  const xBatch = new Float32Array(batchSize * width);
  const yBatch = loss.classification ? new Int32Array(batchSize) : new Float32Array(batchSize * yWidth);
  const stepMs = new Float64Array(steps);
  const history: History = { epochs: [], stoppedEarly: false, totalSeconds: 0 };
  model.stopTraining = false;
  // Per-step logs are built only for callbacks that read them.
  const batchObservers = callbacks.filter((cb) => cb.onBatchEnd !== undefined);

  for (const cb of callbacks) cb.onTrainBegin?.(model, { epochs, steps });
  for (let epoch = 1; epoch <= epochs && !model.stopTraining; epoch++) {
    for (const cb of callbacks) cb.onEpochBegin?.(epoch);
    const epochStart = performance.now();
    if (options.shuffle ?? true) shuffleRng.shuffle(order);
    const stats = emptyStats();
    let seen = 0;
    let gradNormSum = 0;
    let gradNormCount = 0;

    for (let step = 0; step < steps; step++) {
      const start = step * batchSize;
      const n = Math.min(batchSize, trainCount - start);
      const stepStart = performance.now();
      gatherBatch(model, xTrain, yTrain, width, yWidth, order, start, n, xBatch, yBatch);
      model.trainOnBatch(xBatch, yBatch.subarray(0, n * yWidth), n, stats);
      stepMs[step] = performance.now() - stepStart;
      seen += n;
      if (Number.isFinite(optimizer.lastGradNorm)) {
        gradNormSum += optimizer.lastGradNorm;
        gradNormCount++;
      }
      if (!Number.isFinite(stats.lossSum)) {
        history.diverged = { epoch, step: step + 1, loss: String(stats.lossSum) };
        break;
      }
      if (batchObservers.length > 0) {
        const running = summarize(stats, seen, model.outputSize, loss.classification);
        const logs: BatchLogs = {
          step: step + 1,
          steps,
          loss: running.loss,
          accuracy: running.accuracy,
          mae: running.mae,
          elapsedSeconds: (performance.now() - epochStart) / 1000,
        };
        for (const cb of batchObservers) cb.onBatchEnd!(epoch, logs);
      }
    }
    if (history.diverged) break;

    const train = summarize(stats, seen, model.outputSize, loss.classification);
    const logs: EpochLogs = {
      loss: train.loss,
      accuracy: train.accuracy,
      mae: train.mae,
      mse: train.mse,
      rmse: train.mse === undefined ? undefined : Math.sqrt(train.mse),
      seconds: 0,
      stepMs: median(stepMs.subarray(0, steps)),
      gradNorm: gradNormCount > 0 ? gradNormSum / gradNormCount : undefined,
      learningRate: optimizer.learningRate,
    };
    if (validation) {
      const v = model.evaluate(validation.x, validation.y, { batchSize: options.validationBatchSize ?? 1024 });
      logs.val_loss = v.loss;
      logs.val_accuracy = v.accuracy;
      logs.val_mae = v.mae;
      logs.val_mse = v.mse;
      logs.val_rmse = v.mse === undefined ? undefined : Math.sqrt(v.mse);
    }
    logs.seconds = (performance.now() - epochStart) / 1000;
    history.totalSeconds += logs.seconds;
    history.epochs.push(dropUndefined(logs));
    for (const cb of callbacks) cb.onEpochEnd?.(epoch, logs);
  }
  history.stoppedEarly = model.stopTraining;
  for (const cb of callbacks) cb.onTrainEnd?.(history);
  return history;
}

function gatherBatch(
  model: Sequential,
  x: Float32Array,
  y: Int32Array | Float32Array,
  width: number,
  yWidth: number,
  order: Int32Array,
  start: number,
  n: number,
  xBatch: Float32Array,
  yBatch: Int32Array | Float32Array,
): void {
  model.backend.gatherRows(x, width, order, start, n, xBatch);
  if (y instanceof Float32Array) {
    model.backend.gatherRows(y, yWidth, order, start, n, yBatch as Float32Array);
  } else {
    for (let i = 0; i < n; i++) yBatch[i] = y[order[start + i]!]!;
  }
}

function median(values: Float64Array): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function checkPositiveInteger(field: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(field, value, "an integer >= 1");
}

function dropUndefined<T extends object>(logs: T): T {
  return Object.fromEntries(Object.entries(logs).filter(([, v]) => v !== undefined)) as T;
}
