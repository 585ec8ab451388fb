/**
 * Hand-built study results for the report tests, a helper that stores them
 * as the study runner would, and small Fashion-MNIST files. Curves are
 * smooth functions of the epoch so values are easy to predict.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { StudyStore } from "../../src/study/store.js";
import type { StudyResults, StudyRunRecord } from "../../src/study/types.js";
import type { EpochLogs } from "../../src/train/callbacks.js";
import { RUN_DEFAULTS, type DatasetId, type RunConfig } from "../../src/train/run-config.js";
import { buildImagesIdx, buildLabelsIdx } from "../data/fixtures/fashion/idx-fixtures.js";

/** A variant name that must never reach the page unescaped. */
export const HOSTILE_VARIANT = "<script>alert(1)</script>";

export interface RunSpec {
  dataset: DatasetId;
  variant: string;
  repeat?: number;
  epochs?: number;
  status?: StudyRunRecord["status"];
  /** Shifts the curve, so variants differ. */
  offset?: number;
  /** Seconds per epoch. */
  secondsPerEpoch?: number;
  target?: { metric: string; value: number };
  config?: Partial<RunConfig>;
}

/** Builds one run record whose metrics improve smoothly with the epoch. */
export function makeRun(spec: RunSpec): StudyRunRecord {
  const repeat = spec.repeat ?? 0;
  const classification = spec.dataset === "fashion-mnist";
  const count = spec.epochs ?? 5;
  const offset = (spec.offset ?? 0) + repeat * 0.002;
  const secondsPerEpoch = spec.secondsPerEpoch ?? 2;
  const epochs: EpochLogs[] = [];
  for (let e = 1; e <= count; e++) {
    const progress = 1 - Math.exp(-e / 2);
    const logs: EpochLogs = { loss: 1 / e, seconds: secondsPerEpoch, stepMs: 1.5 + repeat * 0.1, learningRate: 0.001 };
    if (classification) {
      logs.accuracy = 0.6 + 0.3 * progress + offset;
      logs.val_accuracy = 0.58 + 0.28 * progress + offset;
      logs.val_loss = 1.1 / e;
    } else {
      logs.mse = 1.2 - 0.8 * progress + offset;
      logs.mae = 0.8 - 0.4 * progress;
      logs.val_mse = 1.3 - 0.8 * progress + offset;
      logs.val_loss = logs.val_mse;
    }
    epochs.push(logs);
  }

  const status = spec.status ?? "completed";
  const config: RunConfig = { ...RUN_DEFAULTS, dataset: spec.dataset, epochs: count, seed: 42 + repeat, ...spec.config } as RunConfig;
  if (spec.target) config.target = spec.target;
  const record: StudyRunRecord = {
    key: `${spec.dataset}/${spec.variant}/${repeat}`,
    dataset: spec.dataset,
    variant: spec.variant,
    repeat,
    seed: 42 + repeat,
    status,
    config,
    engine: { backend: "native", threads: 1, blasCore: "Haswell", node: "v20.19.0" },
    epochs: status === "failed" ? [] : epochs,
    totalSeconds: status === "failed" ? 0 : count * secondsPerEpoch,
    parallel: 1,
    startedAt: "2025-01-02T03:04:05.000Z",
    finishedAt: "2025-01-02T03:05:05.000Z",
  };

  if (status === "completed") {
    const key = classification ? "val_accuracy" : "val_loss";
    let best = 0;
    epochs.forEach((logs, i) => {
      const better = classification ? logs[key]! > epochs[best]![key]! : logs[key]! < epochs[best]![key]!;
      if (better) best = i;
    });
    record.best = { epoch: best + 1, logs: epochs[best]! };
    record.test = classification ? { loss: 0.4, accuracy: epochs[best]!.val_accuracy! - 0.01 } : { loss: 0.5, mse: 0.5, mae: 0.5 };
  }
  if (status === "diverged") record.diverged = { epoch: count, step: 17, loss: "NaN" };
  if (status === "failed") record.error = "addon failed to load <libopenblas.so.0>";
  if (spec.target) {
    const metric = spec.target.metric as keyof EpochLogs;
    const higher = spec.target.metric === "val_accuracy";
    const index = epochs.findIndex((logs) => (higher ? (logs[metric] as number) >= spec.target!.value : (logs[metric] as number) <= spec.target!.value));
    record.timeToTarget = index < 0 || status === "failed"
      ? { ...spec.target, reached: false }
      : { ...spec.target, reached: true, epoch: index + 1, seconds: (index + 1) * secondsPerEpoch };
  }
  return record;
}

/** Builds study results from run specs, with a fixed machine and creation time. */
export function makeResults(runs: RunSpec[], name = "initializers & optimizers"): StudyResults {
  return {
    name,
    definition: { name },
    machine: {
      cpuModel: "Test CPU @ 2.00GHz",
      cores: 2,
      memoryBytes: 24 * 2 ** 30,
      node: "v20.19.0",
      platform: "linux 6.1.0 x64",
      blasCore: "Haswell",
      blasConfig: "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64",
    },
    createdAt: "2025-01-02T03:04:05.000Z",
    runs: runs.map(makeRun),
  };
}

/**
 * Builds a study over both data sets: three repeats per Fashion-MNIST
 * variant (one of them named to inject a script), a diverged and a failed
 * run, a variant that never reaches the target, and a single-repeat regression.
 */
export function sampleStudy(): StudyResults {
  const target = { metric: "val_accuracy", value: 0.8 };
  const specs: RunSpec[] = [];
  const sigmoidStatus: Array<StudyRunRecord["status"]> = ["completed", "diverged", "failed"];
  for (let repeat = 0; repeat < 3; repeat++) {
    specs.push({ dataset: "fashion-mnist", variant: "relu/he_normal", repeat, offset: 0.02, target, config: { activation: "relu", init: "he_normal" } });
    specs.push({ dataset: "fashion-mnist", variant: HOSTILE_VARIANT, repeat, offset: 0, secondsPerEpoch: 3, target, config: { activation: "elu", init: HOSTILE_VARIANT } });
    specs.push({
      dataset: "fashion-mnist",
      variant: "sigmoid/glorot_uniform",
      repeat,
      offset: -0.1,
      target,
      status: sigmoidStatus[repeat],
      config: { activation: "sigmoid" },
    });
  }
  specs.push({ dataset: "california-housing", variant: "relu/he_normal", epochs: 8, config: { activation: "relu", init: "he_normal" } });
  specs.push({ dataset: "california-housing", variant: "selu/lecun_normal", epochs: 8, offset: 0.1, config: { activation: "selu", init: "lecun_normal" } });
  return makeResults(specs);
}

/**
 * Writes the four Fashion-MNIST files into `dir`: `count` 28x28 training
 * images whose pixels follow fixturePixel, labels cycling through 0..9, and
 * 10 test images.
 */
export function writeFashionFixture(dir: string, count = 30): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "train-images-idx3-ubyte"), buildImagesIdx(count, 28, 28));
  writeFileSync(join(dir, "train-labels-idx1-ubyte"), buildLabelsIdx(fixtureLabels(count)));
  writeFileSync(join(dir, "t10k-images-idx3-ubyte"), buildImagesIdx(10, 28, 28));
  writeFileSync(join(dir, "t10k-labels-idx1-ubyte"), buildLabelsIdx(fixtureLabels(10)));
}

/** Label of image i in writeFashionFixture's files. */
export function fixtureLabels(count: number): number[] {
  return Array.from({ length: count }, (_, i) => (i * 3) % 10);
}

/** Saves `results` into a new store in `dir`, as the study runner would. */
export function saveStudy(dir: string, results: StudyResults): void {
  const store = StudyStore.open(dir);
  try {
    const machineId = store.beginSession(results.name, results.definition, results.machine);
    for (const run of results.runs) store.saveRun(run, { machineId });
  } finally {
    store.close();
  }
}
