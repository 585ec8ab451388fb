/**
 * The run description: everything that defines one training run, as a plain
 * object. The CLI flags, TypeScript callers and study files all produce this
 * object, and `validateRunConfig` is the one schema check for all three.
 * Keys are camelCase; values use Keras ids (`he_normal`, `leaky_relu:0.2`).
 */
import { availableParallelism } from "node:os";
import { BACKEND_NAMES, type BackendName } from "../engine/index.js";
import { ConfigError, formatValue } from "../errors.js";
import { HIDDEN_ACTIVATION_IDS, parseActivation, type ActivationConfig } from "../nn/activations.js";
import { parseInitializer, type InitializerConfig } from "../nn/initializers.js";
import { LOSS_IDS } from "../nn/losses.js";
import { OPTIMIZER_IDS } from "../optim/index.js";
import { validateClipOptions } from "../optim/clipping.js";

export type DatasetId = "fashion-mnist" | "california-housing";
export const DATASET_IDS: readonly DatasetId[] = ["fashion-mnist", "california-housing"];
export type BatchNormPlacement = "none" | "before" | "after";
export const BATCH_NORM_PLACEMENTS: readonly BatchNormPlacement[] = ["none", "before", "after"];

export interface RunConfig {
  dataset: DatasetId;
  /** Directory with the data set's files; searched defaults otherwise. */
  dataDir?: string;
  /** Hidden layer widths. @default [300, 100, 50, 50, 50] */
  hidden: number[];
  /** Hidden activation. @default "relu" */
  activation: string | ActivationConfig;
  /** Kernel initializer of every Dense layer. @default "glorot_uniform" */
  init: string | InitializerConfig;
  /** Batch normalization before or after each hidden activation. @default "none" */
  batchNorm: BatchNormPlacement;
  /** Optimizer id. @default "sgd" */
  optimizer: string;
  /** @default the optimizer's Keras default (SGD 0.01, others 0.001) */
  learningRate?: number;
  /** SGD momentum. @default 0 */
  momentum?: number;
  /** SGD Nesterov momentum. @default false */
  nesterov?: boolean;
  beta1?: number;
  beta2?: number;
  rho?: number;
  epsilon?: number;
  clipvalue?: number;
  clipnorm?: number;
  globalClipnorm?: number;
  /** Exponential learning-rate decay: lr * rate^(step / steps). */
  lrDecay?: { decaySteps: number; decayRate: number; staircase?: boolean };
  /** Reduce the learning rate when val_loss stops improving. */
  reduceLrOnPlateau?: { factor?: number; patience?: number; minLr?: number };
  /** Loss id. @default "sparse_categorical_crossentropy" or "mse" by data set */
  loss?: string;
  /** @default 20 */
  epochs: number;
  /** @default 32 */
  batchSize: number;
  /** Fashion-MNIST validation fraction, taken from the end. @default 0.1 */
  validationSplit: number;
  /** Standardize inputs with train-split mean and std (needed for SELU). @default false; always on for housing */
  standardize: boolean;
  /** Seeds initialization, shuffling and noise. @default 42 */
  seed: number;
  /** Train on only the first N training rows (smoke tests). */
  maxTrainSamples?: number;
  /** Seed of the housing train/valid/test split, fixed so runs compare. @default 42 */
  splitSeed?: number;
  /** Evaluate the test split with the weights of the best validation epoch. @default false */
  evaluateTest?: boolean;
  /** Record per-layer gradient norms, activation statistics and dead units. @default false */
  diagnostics?: boolean;
  /** @default "auto" */
  backend: BackendName;
  /** OpenBLAS threads. @default defaultThreads(): 2 for a wide first layer, else 1 */
  threads: number;
  /**
   * A validation metric level, e.g. { metric: "val_accuracy", value: 0.85 }:
   * the run records the epoch and seconds at which it is first reached.
   * Training does not stop there.
   */
  target?: { metric: string; value: number };
}

export const RUN_DEFAULTS = {
  hidden: [300, 100, 50, 50, 50],
  activation: "relu",
  init: "glorot_uniform",
  batchNorm: "none",
  optimizer: "sgd",
  epochs: 20,
  batchSize: 32,
  validationSplit: 0.1,
  standardize: false,
  seed: 42,
  backend: "auto",
} as const;

/** Inputs per sample of each data set, for sizing defaults before loading. */
const INPUT_SIZE: Record<DatasetId, number> = { "fashion-mnist": 784, "california-housing": 8 };

/**
 * Returns the default OpenBLAS thread count: 2 (or the core count, if
 * lower) when the first layer's product has at least a million
 * multiply-adds per step and either the step is plain SGD (folded into the
 * matrix product) or the batch is at least 128. Otherwise 1. Measured on a
 * 2-core machine (BENCHMARKS.md): 2 threads make the 784-300 step 9% to 12%
 * faster for plain SGD at batch 32 and 25% to 29% faster for SGD, momentum
 * and Adam at batch 256, but momentum SGD 10% slower at batch 32 and the
 * 8-300 housing step 12% slower. Studies with --parallel use 1 per run.
 */
export function defaultThreads(
  dataset: DatasetId,
  firstUnits: number,
  batchSize: number,
  plainSgd: boolean,
): number {
  const multiplyAdds = INPUT_SIZE[dataset] * firstUnits * batchSize;
  const wide = multiplyAdds >= 1_000_000 && (plainSgd || batchSize >= 128);
  return wide ? Math.max(1, Math.min(2, availableParallelism())) : 1;
}

const KEYS = new Set([
  "dataset", "dataDir", "hidden", "activation", "init", "batchNorm", "optimizer",
  "learningRate", "momentum", "nesterov", "beta1", "beta2", "rho", "epsilon",
  "clipvalue", "clipnorm", "globalClipnorm", "lrDecay", "reduceLrOnPlateau", "loss",
  "epochs", "batchSize", "validationSplit", "standardize", "seed", "maxTrainSamples",
  "splitSeed", "evaluateTest", "diagnostics",
  "backend", "threads", "target",
]);

/**
 * Validates a run description from any source and fills in defaults.
 * Throws ConfigError naming the field, the value and what is allowed.
 * `prefix` names the enclosing object in messages (e.g. a study variant).
 */
export function validateRunConfig(input: unknown, prefix = ""): RunConfig {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new ConfigError(prefix || "run", input, "an object");
  }
  const raw = input as Record<string, unknown>;
  const f = (name: string) => (prefix ? `${prefix}.${name}` : name);
  for (const key of Object.keys(raw)) {
    if (KEYS.has(key)) continue;
    const suggestion = suggestKey(key);
    const known = [...KEYS].join(", ");
    const hint = suggestion ? ` (did you mean ${suggestion}?)` : "";
    throw new ConfigError(f(key), raw[key], `a known key: ${known}`, `unknown key ${f(key)}${hint}; known keys: ${known}`);
  }

  const dataset = raw.dataset ?? "fashion-mnist";
  if (!DATASET_IDS.includes(dataset as DatasetId)) {
    throw new ConfigError(f("dataset"), dataset, `one of ${DATASET_IDS.join(", ")}`);
  }
  const config: RunConfig = {
    dataset: dataset as DatasetId,
    hidden: hiddenLayers(raw.hidden ?? [...RUN_DEFAULTS.hidden], f("hidden")),
    activation: (raw.activation as RunConfig["activation"]) ?? RUN_DEFAULTS.activation,
    init: (raw.init as RunConfig["init"]) ?? RUN_DEFAULTS.init,
    batchNorm: oneOf(raw.batchNorm ?? RUN_DEFAULTS.batchNorm, BATCH_NORM_PLACEMENTS, f("batchNorm")),
    optimizer: oneOf(raw.optimizer ?? RUN_DEFAULTS.optimizer, OPTIMIZER_IDS, f("optimizer")),
    epochs: integer(raw.epochs ?? RUN_DEFAULTS.epochs, 1, f("epochs")),
    batchSize: integer(raw.batchSize ?? RUN_DEFAULTS.batchSize, 1, f("batchSize")),
    validationSplit: fraction(raw.validationSplit ?? RUN_DEFAULTS.validationSplit, f("validationSplit")),
    standardize: bool(raw.standardize ?? RUN_DEFAULTS.standardize, f("standardize")),
    seed: integer(raw.seed ?? RUN_DEFAULTS.seed, 0, f("seed")),
    backend: oneOf(raw.backend ?? RUN_DEFAULTS.backend, BACKEND_NAMES, f("backend")),
    threads: 1,
  };

  // Parse now so a bad id fails before any data is loaded.
  parseActivation(config.activation, f("activation"), HIDDEN_ACTIVATION_IDS);
  parseInitializer(config.init, f("init"));

  if (raw.dataDir !== undefined) config.dataDir = str(raw.dataDir, f("dataDir"));
  for (const key of ["learningRate", "epsilon"] as const) {
    if (raw[key] !== undefined) config[key] = positive(raw[key], f(key));
  }
  for (const key of ["momentum", "beta1", "beta2", "rho"] as const) {
    if (raw[key] !== undefined) config[key] = unitInterval(raw[key], f(key));
  }
  if (raw.nesterov !== undefined) config.nesterov = bool(raw.nesterov, f("nesterov"));
  for (const key of ["clipvalue", "clipnorm", "globalClipnorm"] as const) {
    if (raw[key] !== undefined) config[key] = raw[key] as number;
  }
  validateClipOptions(config, prefix);
  if (raw.loss !== undefined) config.loss = oneOf(raw.loss, LOSS_IDS, f("loss"));
  if (raw.maxTrainSamples !== undefined) {
    config.maxTrainSamples = integer(raw.maxTrainSamples, 1, f("maxTrainSamples"));
  }
  if (raw.splitSeed !== undefined) config.splitSeed = integer(raw.splitSeed, 0, f("splitSeed"));
  if (raw.evaluateTest !== undefined) config.evaluateTest = bool(raw.evaluateTest, f("evaluateTest"));
  if (raw.diagnostics !== undefined) config.diagnostics = bool(raw.diagnostics, f("diagnostics"));
  if (raw.lrDecay !== undefined) config.lrDecay = lrDecay(raw.lrDecay, f("lrDecay"));
  if (raw.reduceLrOnPlateau !== undefined) {
    config.reduceLrOnPlateau = plateau(raw.reduceLrOnPlateau, f("reduceLrOnPlateau"));
  }
  if (raw.target !== undefined) config.target = target(raw.target, f("target"));
  // The thread default depends on whether the step is plain SGD, so it comes last.
  const plainSgd =
    config.optimizer === "sgd" &&
    !(config.momentum ?? 0) &&
    config.clipvalue === undefined &&
    config.clipnorm === undefined &&
    config.globalClipnorm === undefined;
  const firstUnits = config.hidden[0] ?? 1;
  config.threads = integer(
    raw.threads ?? defaultThreads(config.dataset, firstUnits, config.batchSize, plainSgd),
    1,
    f("threads"),
  );
  return config;
}

function hiddenLayers(value: unknown, field: string): number[] {
  if (!Array.isArray(value)) throw new ConfigError(field, value, "a list of layer widths, e.g. [300, 100]");
  return value.map((v, i) => integer(v, 1, `${field}[${i}]`));
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== "string" || !allowed.includes(value as T)) {
    throw new ConfigError(field, value, `one of ${allowed.join(", ")}`);
  }
  return value as T;
}

function integer(value: unknown, min: number, field: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new ConfigError(field, value, `an integer >= ${min}`);
  }
  return value;
}

function positive(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError(field, value, "a finite number > 0");
  }
  return value;
}

function unitInterval(value: unknown, field: string): number {
  if (typeof value !== "number" || !(value >= 0 && value < 1)) {
    throw new ConfigError(field, value, "a number in [0, 1)");
  }
  return value;
}

function fraction(value: unknown, field: string): number {
  if (typeof value !== "number" || !(value > 0 && value < 1)) {
    throw new ConfigError(field, value, "a number in (0, 1)");
  }
  return value;
}

function bool(value: unknown, field: string): boolean {
  if (typeof value !== "boolean") throw new ConfigError(field, value, "true or false");
  return value;
}

function str(value: unknown, field: string): string {
  if (typeof value !== "string" || value === "") throw new ConfigError(field, value, "a non-empty string");
  return value;
}

function record(value: unknown, field: string, keys: string[]): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(field, value, `an object with ${keys.join(", ")}`);
  }
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) throw new ConfigError(`${field}.${key}`, formatValue((value as Record<string, unknown>)[key]), `one of the keys ${keys.join(", ")}`);
  }
  return value as Record<string, unknown>;
}

function lrDecay(value: unknown, field: string): NonNullable<RunConfig["lrDecay"]> {
  const r = record(value, field, ["decaySteps", "decayRate", "staircase"]);
  const result: NonNullable<RunConfig["lrDecay"]> = {
    decaySteps: integer(r.decaySteps, 1, `${field}.decaySteps`),
    decayRate: positive(r.decayRate, `${field}.decayRate`),
  };
  if (r.staircase !== undefined) result.staircase = bool(r.staircase, `${field}.staircase`);
  return result;
}

function plateau(value: unknown, field: string): NonNullable<RunConfig["reduceLrOnPlateau"]> {
  const r = record(value, field, ["factor", "patience", "minLr"]);
  const result: NonNullable<RunConfig["reduceLrOnPlateau"]> = {};
  if (r.factor !== undefined) result.factor = fraction(r.factor, `${field}.factor`);
  if (r.patience !== undefined) result.patience = integer(r.patience, 0, `${field}.patience`);
  if (r.minLr !== undefined) {
    if (typeof r.minLr !== "number" || !(r.minLr >= 0)) throw new ConfigError(`${field}.minLr`, r.minLr, "a number >= 0");
    result.minLr = r.minLr;
  }
  return result;
}

function target(value: unknown, field: string): NonNullable<RunConfig["target"]> {
  const r = record(value, field, ["metric", "value"]);
  const metrics = ["val_accuracy", "val_loss", "val_mse", "val_mae"];
  const metric = oneOf(r.metric, metrics, `${field}.metric`);
  if (typeof r.value !== "number" || !Number.isFinite(r.value)) {
    throw new ConfigError(`${field}.value`, r.value, "a finite number");
  }
  return { metric, value: r.value };
}

/**
 * Returns the known key an unknown one most likely means: the same letters in
 * another case or in snake_case (max_train_samples), or a typo within two
 * edits (hiden).
 */
function suggestKey(key: string): string | undefined {
  const normalized = key.replace(/[_-]/g, "").toLowerCase();
  const sameLetters = [...KEYS].find((known) => known.toLowerCase() === normalized);
  if (sameLetters) return sameLetters;
  let best: { key: string; distance: number } | undefined;
  for (const known of KEYS) {
    const distance = editDistance(normalized, known.toLowerCase());
    if (distance <= 2 && (!best || distance < best.distance)) best = { key: known, distance };
  }
  return best?.key;
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}
