/**
 * Turns a run description's data set into ready float32 splits.
 *
 * - Fashion-MNIST: pixels / 255; the last `validationSplit` of the 60,000
 *   training images validates (Keras's validation_split), the 10,000 test
 *   images test. `standardize` rescales each pixel by the train split's mean
 *   and std.
 * - California housing: train/test 75/25, then train/valid 75/25 of the
 *   rest (11,610 / 3,870 / 5,160 rows), seeded by splitSeed; features always
 *   standardized with train statistics, as every regression net needs.
 *
 * The raw data set is cached per process (a study loads it once), and only
 * one prepared variant is kept. Fashion-MNIST is standardized in place, so
 * at most one float32 copy (219 MB) is alive at a time.
 */
import { loadCaliforniaHousing } from "../data/california-housing.js";
import { loadFashionMnist, FASHION_MNIST_CLASS_NAMES } from "../data/fashion-mnist.js";
import { StandardScaler, standardizeParts } from "../data/scaler.js";
import { splitCaliforniaHousing } from "../data/split.js";
import type { RunConfig } from "./run-config.js";

export interface Split {
  x: Float32Array;
  y: Int32Array | Float32Array;
  count: number;
}

export interface PreparedData {
  train: Split;
  valid: Split;
  test: Split;
  inputSize: number;
  outputs: number;
  classification: boolean;
  classNames?: readonly string[];
  /** Directory or file the data set was read from. */
  source: string;
  /** Fitted on train; saved with results so predictions take raw features. */
  scaler?: StandardScaler;
}

let rawCache: { key: string; data: unknown } | null = null;
let preparedCache: { key: string; data: PreparedData } | null = null;

export async function prepareData(config: RunConfig, log: (line: string) => void = () => {}): Promise<PreparedData> {
  const key = JSON.stringify([
    config.dataset, config.dataDir, config.validationSplit, config.standardize,
    config.maxTrainSamples, config.splitSeed,
  ]);
  if (preparedCache?.key === key) return preparedCache.data;
  preparedCache = null;
  const data =
    config.dataset === "fashion-mnist"
      ? await prepareFashionMnist(config, log)
      : await prepareHousing(config, log);
  preparedCache = { key, data };
  return data;
}

async function loadRaw<T>(key: string, load: () => Promise<T>): Promise<T> {
  if (rawCache?.key === key) return rawCache.data as T;
  rawCache = null;
  const data = await load();
  rawCache = { key, data };
  return data;
}

async function prepareFashionMnist(config: RunConfig, log: (line: string) => void): Promise<PreparedData> {
  const raw = await loadRaw(`fashion-mnist:${config.dataDir ?? ""}`, () =>
    loadFashionMnist({ dataDir: config.dataDir, log }),
  );
  const width = raw.rows * raw.cols;
  const total = raw.trainLabels.length;
  const trainCount = Math.floor(total * (1 - config.validationSplit));
  const used = Math.min(trainCount, config.maxTrainSamples ?? trainCount);
  const train: Split = {
    x: raw.trainImages.subarray(0, used * width),
    y: raw.trainLabels.subarray(0, used),
    count: used,
  };
  const valid: Split = {
    x: raw.trainImages.subarray(trainCount * width),
    y: raw.trainLabels.subarray(trainCount),
    count: total - trainCount,
  };
  const test: Split = { x: raw.testImages, y: raw.testLabels, count: raw.testLabels.length };
  let scaler: StandardScaler | undefined;
  if (config.standardize) {
    // Standardize the loaded arrays in place rather than copying 219 MB:
    // the cached raw data set is dropped, and the next unstandardized run
    // reloads it (about 0.4 s).
    rawCache = null;
    scaler = new StandardScaler().fit(train.x, width);
    scaler.transformInPlace(raw.trainImages);
    scaler.transformInPlace(raw.testImages);
  }
  return {
    train, valid, test, scaler,
    inputSize: width,
    outputs: raw.classNames.length,
    classification: true,
    classNames: FASHION_MNIST_CLASS_NAMES,
    source: raw.source,
  };
}

async function prepareHousing(config: RunConfig, log: (line: string) => void): Promise<PreparedData> {
  const raw = await loadRaw(`california-housing:${config.dataDir ?? ""}`, () =>
    loadCaliforniaHousing({ dataDir: config.dataDir, log }),
  );
  const split = splitCaliforniaHousing(raw, { seed: config.splitSeed ?? 42 });
  const width = raw.featureNames.length;
  const parts = standardizeParts(split, width);
  const limit = Math.min(parts.train.count, config.maxTrainSamples ?? parts.train.count);
  return {
    train: { x: parts.train.x.subarray(0, limit * width), y: parts.train.y.subarray(0, limit), count: limit },
    valid: parts.valid,
    test: parts.test,
    scaler: parts.scaler,
    inputSize: width,
    outputs: 1,
    classification: false,
    source: raw.source.path,
  };
}
