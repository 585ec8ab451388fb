/**
 * `trainlab train`: one training run from flags (and an optional run
 * description file), with a progress bar, an epoch table and a JSON record.
 */
import { readFileSync, statSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { ConfigError, DataError } from "../errors.js";
import { ACTIVATION_IDS } from "../nn/activations.js";
import { INITIALIZER_IDS } from "../nn/initializers.js";
import { OPTIMIZER_IDS } from "../optim/index.js";
import { formatDiagnostics } from "../train/diagnostics.js";
import { ProgressBar } from "../train/progress-bar.js";
import { runTraining, type RunResult } from "../train/run.js";
import { DATASET_IDS, RUN_DEFAULTS, validateRunConfig, type RunConfig } from "../train/run-config.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import type { Logger } from "./logger.js";
import { formatOptions, parseOptions, type OptionSpec, type OptionValues } from "./options.js";

export const TRAIN_OPTIONS: readonly OptionSpec[] = [
  { name: "dataset", type: "string", placeholder: "ID", defaultText: "fashion-mnist", help: `data set: ${DATASET_IDS.join(", ")}` },
  { name: "data-dir", type: "string", placeholder: "DIR", help: "directory with the data files (else TRAINLAB_DATA_DIR, caches, system copies)" },
  { name: "hidden", type: "list", placeholder: "N,N,...", unit: "units per layer", defaultText: RUN_DEFAULTS.hidden.join(","), help: "hidden layer widths" },
  { name: "activation", type: "string", placeholder: "ID[:P...]", defaultText: "relu", help: `hidden activation: ${ACTIVATION_IDS.filter((a) => a !== "softmax").join(", ")}; parameters as leaky_relu:0.2, elu:0.5, rrelu:0.125:0.333` },
  { name: "init", type: "string", placeholder: "ID[:P...]", defaultText: "glorot_uniform", help: `kernel initializer: ${INITIALIZER_IDS.join(", ")}; parameters as variance_scaling:2:fan_avg:uniform` },
  { name: "batch-norm", type: "string", placeholder: "WHERE", defaultText: "none", help: "batch normalization: none, before or after each hidden activation" },
  { name: "optimizer", type: "string", placeholder: "ID", defaultText: "sgd", help: `optimizer: ${OPTIMIZER_IDS.join(", ")}` },
  { name: "lr", type: "number", placeholder: "X", defaultText: "0.01 for sgd, 0.001 otherwise (Keras)", help: "learning rate" },
  { name: "momentum", type: "number", placeholder: "X", defaultText: "0", help: "SGD momentum, in [0, 1)" },
  { name: "nesterov", type: "boolean", help: "use Nesterov momentum with SGD" },
  { name: "beta1", type: "number", placeholder: "X", defaultText: "0.9", help: "adam/nadam first-moment decay" },
  { name: "beta2", type: "number", placeholder: "X", defaultText: "0.999", help: "adam/nadam second-moment decay" },
  { name: "rho", type: "number", placeholder: "X", defaultText: "0.9", help: "rmsprop decay" },
  { name: "epsilon", type: "number", placeholder: "X", defaultText: "1e-7", help: "optimizer epsilon" },
  { name: "clipvalue", type: "number", placeholder: "X", help: "clip each gradient element to [-X, X]" },
  { name: "clipnorm", type: "number", placeholder: "X", help: "clip each variable's gradient to L2 norm X" },
  { name: "global-clipnorm", type: "number", placeholder: "X", help: "scale all gradients together to global L2 norm X" },
  { name: "lr-decay", type: "string", placeholder: "STEPS:RATE[:staircase]", help: "exponential decay: lr * RATE^(step / STEPS)" },
  { name: "reduce-lr-on-plateau", type: "string", placeholder: "FACTOR:PATIENCE", help: "multiply lr by FACTOR after PATIENCE epochs without val_loss improvement" },
  { name: "loss", type: "string", placeholder: "ID", defaultText: "sparse_categorical_crossentropy or mse", help: "loss: mse, mae or huber for regression" },
  { name: "epochs", type: "integer", placeholder: "N", unit: "epochs", defaultText: "20", help: "training epochs" },
  { name: "batch-size", type: "integer", placeholder: "N", unit: "samples", defaultText: "32", help: "mini-batch size" },
  { name: "validation-split", type: "number", placeholder: "X", defaultText: "0.1", help: "Fashion-MNIST: fraction of training rows, taken from the end, that validates" },
  { name: "standardize", type: "boolean", help: "standardize inputs with the train split's mean and std (needed for selu)" },
  { name: "seed", type: "integer", placeholder: "N", defaultText: "42", help: "seed for initialization, shuffling and noise" },
  { name: "max-train-samples", type: "integer", placeholder: "N", unit: "samples", help: "train on only the first N training rows" },
  { name: "evaluate-test", type: "boolean", help: "evaluate the test split with the best epoch's weights" },
  { name: "diagnostics", type: "boolean", help: "print per-layer gradient norms, activation statistics and dead units each epoch" },
  { name: "backend", type: "string", placeholder: "NAME", defaultText: "auto", help: "engine: auto, native or reference" },
  { name: "threads", type: "integer", placeholder: "N", unit: "threads", defaultText: "2 for a first layer of >= 1M multiply-adds per step with plain SGD or batch >= 128 (the Fashion-MNIST default run), else 1", help: "OpenBLAS threads" },
  { name: "config", type: "string", placeholder: "FILE", help: "run description (JSON or YAML); flags override its fields" },
  { name: "json", type: "string", placeholder: "FILE", help: "write config, engine, per-epoch history and totals as JSON" },
  { name: "save-model", type: "string", placeholder: "FILE", help: "save the trained model with its input scaling, for `trainlab predict`" },
  { name: "quiet", type: "boolean", help: "print only warnings and errors" },
  { name: "help", type: "boolean", short: "h", help: "show this help" },
];

export const TRAIN_USAGE = `Usage: trainlab train [options]

Trains one network and prints a progress bar per epoch, then loss,
accuracy, val_loss, val_accuracy and seconds per epoch.

Example (the reference study's default run):
  trainlab train --dataset fashion-mnist --hidden 300,100,50,50,50 \\
    --activation relu --epochs 20 --batch-size 32 --lr 0.001 --seed 42

Options:
${formatOptions(TRAIN_OPTIONS)}`;

/** Flags whose text is parsed into a run-description object. */
const PARSED_FLAG_TO_KEY: Record<string, keyof RunConfig> = {
  "lr-decay": "lrDecay",
  "reduce-lr-on-plateau": "reduceLrOnPlateau",
};

/** Maps CLI flags onto run-description keys. */
const FLAG_TO_KEY: Record<string, keyof RunConfig> = {
  dataset: "dataset",
  "data-dir": "dataDir",
  hidden: "hidden",
  activation: "activation",
  init: "init",
  "batch-norm": "batchNorm",
  optimizer: "optimizer",
  lr: "learningRate",
  momentum: "momentum",
  nesterov: "nesterov",
  beta1: "beta1",
  beta2: "beta2",
  rho: "rho",
  epsilon: "epsilon",
  clipvalue: "clipvalue",
  clipnorm: "clipnorm",
  "global-clipnorm": "globalClipnorm",
  loss: "loss",
  epochs: "epochs",
  "batch-size": "batchSize",
  "validation-split": "validationSplit",
  standardize: "standardize",
  seed: "seed",
  "max-train-samples": "maxTrainSamples",
  "evaluate-test": "evaluateTest",
  diagnostics: "diagnostics",
  backend: "backend",
  threads: "threads",
};

/**
 * Builds the validated run description from flags and an optional file.
 * Errors name the flag (`--batch-size`) rather than the config key.
 */
export function runConfigFromFlags(values: OptionValues): RunConfig {
  try {
    return buildRunConfig(values);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const [key = "", ...rest] = err.field.split(".");
    const flag = Object.entries({ ...FLAG_TO_KEY, ...PARSED_FLAG_TO_KEY }).find(([, k]) => k === key)?.[0];
    if (!flag || values.config !== undefined && values[flag] === undefined) throw err;
    const field = rest.length > 0 ? `--${flag} ${rest.join(".")}` : `--${flag}`;
    throw new ConfigError(field, err.value, err.allowed);
  }
}

function buildRunConfig(values: OptionValues): RunConfig {
  const dataDir = values["data-dir"];
  if (dataDir !== undefined && !isDirectory(String(dataDir))) {
    throw new ConfigError("--data-dir", dataDir, "an existing directory");
  }
  const raw: Record<string, unknown> = values.config ? readRunFile(String(values.config)) : {};
  for (const [flag, key] of Object.entries(FLAG_TO_KEY)) {
    if (values[flag] !== undefined) raw[key] = values[flag];
  }
  if (values["lr-decay"] !== undefined) raw.lrDecay = parseLrDecay(String(values["lr-decay"]));
  if (values["reduce-lr-on-plateau"] !== undefined) {
    raw.reduceLrOnPlateau = parsePlateau(String(values["reduce-lr-on-plateau"]));
  }
  return validateRunConfig(raw);
}

export async function trainCommand(argv: string[], logger: Logger): Promise<number> {
  const { values, positionals } = parseOptions(argv, TRAIN_OPTIONS);
  if (values.help) {
    logger.info(TRAIN_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new ConfigError("argument", positionals[0], "options only; see --help");
  const config = runConfigFromFlags(values);
  const jsonPath = values.json === undefined ? undefined : String(values.json);

  const quietLogger = { ...logger, info: values.quiet ? () => {} : logger.info, interactive: logger.interactive && !values.quiet };
  const result = await runTraining(config, {
    callbacks: [new ProgressBar(quietLogger)],
    log: quietLogger.info,
    warn: logger.warn,
    saveModelPath: values["save-model"] === undefined ? undefined : String(values["save-model"]),
    onDiagnostics: (_epoch, layers) => formatDiagnostics(layers).forEach((line) => quietLogger.info(line)),
  });
  if (!values.quiet) printSummary(result, logger);
  if (jsonPath) writeFileAtomic(jsonPath, `${JSON.stringify(runRecord(result), null, 2)}\n`);
  return 0;
}

/** Builds the --json record: config, engine, per-epoch history, totals. */
export function runRecord(result: RunResult): Record<string, unknown> {
  return {
    config: result.config,
    engine: result.engine,
    data: result.data,
    trainableParameters: result.trainableParameters,
    status: result.status,
    diverged: result.diverged,
    history: result.history,
    best: result.best,
    test: result.test,
    timeToTarget: result.timeToTarget,
    diagnostics: result.diagnostics,
    totalSeconds: result.totalSeconds,
    warnings: result.warnings,
  };
}

function printSummary(result: RunResult, logger: Logger): void {
  logger.info(`engine: ${result.engine.backend}, ${result.engine.threads} thread(s)${result.engine.blasCore ? `, OpenBLAS ${result.engine.blasCore}` : ""}`);
  if (result.test) {
    const t = result.test;
    if (t.accuracy !== undefined) {
      logger.info(`test (best epoch ${result.best?.epoch}): loss ${t.loss.toFixed(4)}, accuracy ${t.accuracy.toFixed(4)}`);
    } else {
      const rmse = Math.sqrt(t.mse ?? NaN);
      logger.info(`test (best epoch ${result.best?.epoch}): mse ${t.mse!.toFixed(4)}, rmse ${rmse.toFixed(4)} ($${Math.round(rmse * 100000).toLocaleString("en-US")})`);
    }
  }
}

function readRunFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    let reason = String(code ?? err);
    if (code === "ENOENT") reason = "file not found";
    if (code === "EACCES") reason = "permission denied";
    throw new DataError(`${path}: cannot read run description: ${reason}`, path);
  }
  let value: unknown;
  try {
    value = path.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    // YAML messages end their first line with "at line N, column M:" before a snippet.
    const first = (err as Error).message.split("\n")[0]!.replace(/:\s*$/, "");
    throw new DataError(`${path}: invalid ${path.endsWith(".json") ? "JSON" : "YAML"}: ${first}`, path);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError("--config", path, "a file holding one object of run settings");
  }
  return value as Record<string, unknown>;
}

function parseLrDecay(text: string): unknown {
  const [steps, rate, staircase, ...rest] = text.split(":");
  if (rest.length > 0 || staircase !== undefined && staircase !== "staircase") {
    throw new ConfigError("--lr-decay", text, "STEPS:RATE or STEPS:RATE:staircase");
  }
  return { decaySteps: Number(steps), decayRate: Number(rate), ...(staircase ? { staircase: true } : {}) };
}

function parsePlateau(text: string): unknown {
  const [factor, patience, minLr, ...rest] = text.split(":").map(Number);
  if (rest.length > 0 || factor === undefined || Number.isNaN(factor)) {
    throw new ConfigError("--reduce-lr-on-plateau", text, "FACTOR[:PATIENCE[:MIN_LR]], e.g. 0.5:2");
  }
  return {
    factor,
    ...(patience !== undefined ? { patience } : {}),
    ...(minLr !== undefined ? { minLr } : {}),
  };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
