/**
 * `trainlab export DIR`: writes a study's stored results as flat files for
 * pandas, R or a spreadsheet: runs.csv and runs.jsonl (one row per run),
 * epochs.csv and epochs.jsonl (one row per epoch of every run).
 *
 * CSV follows RFC 4180: comma-separated, CRLF line ends, fields with a
 * comma, quote, CR or LF in double quotes with inner quotes doubled.
 * Missing values are empty in CSV and absent in JSONL. Non-finite numbers
 * are `NaN`, `Infinity` or `-Infinity` in CSV (pandas reads them as
 * floats) and null in JSONL, because JSON has no literal for them.
 */
import { join } from "node:path";
import { ConfigError } from "../errors.js";
import { loadStudyResults } from "../study/store.js";
import { median } from "../study/statistics.js";
import type { StudyRunRecord } from "../study/types.js";
import type { EpochLogs } from "../train/callbacks.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import type { Logger } from "./logger.js";
import { formatOptions, parseOptions, type OptionSpec } from "./options.js";

export const EXPORT_OPTIONS: readonly OptionSpec[] = [
  { name: "out", type: "string", placeholder: "DIR", defaultText: "the study directory", help: "directory for runs.csv, epochs.csv, runs.jsonl and epochs.jsonl" },
  { name: "quiet", type: "boolean", help: "print only warnings and errors" },
  { name: "help", type: "boolean", short: "h", help: "show this help" },
];

export const EXPORT_USAGE = `Usage: trainlab export DIR [options]

Writes the runs and epochs stored in DIR/results.sqlite as runs.csv,
epochs.csv, runs.jsonl and epochs.jsonl (each file replaced atomically).

Options:
${formatOptions(EXPORT_OPTIONS)}`;

type Row = Record<string, unknown>;

/** Columns of epochs.csv after the run identifiers, and the EpochLogs key of each. */
const EPOCH_FIELDS: ReadonlyArray<readonly [column: string, key: keyof EpochLogs]> = [
  ["loss", "loss"], ["accuracy", "accuracy"], ["mae", "mae"], ["mse", "mse"], ["rmse", "rmse"],
  ["val_loss", "val_loss"], ["val_accuracy", "val_accuracy"], ["val_mae", "val_mae"],
  ["val_mse", "val_mse"], ["val_rmse", "val_rmse"], ["seconds", "seconds"], ["step_ms", "stepMs"],
  ["grad_norm", "gradNorm"], ["learning_rate", "learningRate"],
];

export async function exportCommand(argv: string[], logger: Logger): Promise<number> {
  const { values, positionals } = parseOptions(argv, EXPORT_OPTIONS);
  if (values.help) {
    logger.info(EXPORT_USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new ConfigError("arguments", positionals.join(" ") || "(missing)", "one study directory; see --help");
  }
  const dir = positionals[0]!;
  const outDir = values.out === undefined ? dir : String(values.out);
  const paths = exportStudy(dir, outDir);
  for (const path of paths) logger.info(`wrote ${path}`);
  return 0;
}

/** Exports the study in `dir` into `outDir` and returns the four paths written. */
export function exportStudy(dir: string, outDir: string): string[] {
  const results = loadStudyResults(dir);
  const runRows = results.runs.map(runRow);
  const epochRows = results.runs.flatMap(epochRowsOf);
  const files: Array<[string, string]> = [
    ["runs.csv", toCsv(runRows, RUN_COLUMNS)],
    ["epochs.csv", toCsv(epochRows, EPOCH_COLUMNS)],
    ["runs.jsonl", toJsonLines(results.runs.map(runJson))],
    ["epochs.jsonl", toJsonLines(epochRows)],
  ];
  return files.map(([name, text]) => {
    const path = join(outDir, name);
    writeFileAtomic(path, text);
    return path;
  });
}

const RUN_COLUMNS = [
  "key", "dataset", "variant", "repeat", "seed", "status", "error",
  "activation", "init", "batch_norm", "optimizer", "learning_rate", "epochs_planned",
  "epochs_run", "total_seconds", "median_step_ms",
  "best_epoch", "best_loss", "best_accuracy", "best_mse", "best_mae",
  "best_val_loss", "best_val_accuracy", "best_val_mse", "best_val_mae",
  "test_loss", "test_accuracy", "test_mse", "test_mae",
  "target_metric", "target_value", "target_reached", "target_epoch", "target_seconds",
  "baseline_metric", "baseline_value",
  "diverged_epoch", "diverged_step", "diverged_loss",
  "parallel", "backend", "threads", "blas_core", "node", "started_at", "finished_at", "config",
];

function runRow(run: StudyRunRecord): Row {
  const best = run.best?.logs;
  const config = run.config;
  return {
    key: run.key,
    dataset: run.dataset,
    variant: run.variant,
    repeat: run.repeat,
    seed: run.seed,
    status: run.status,
    error: run.error,
    activation: typeof config.activation === "string" ? config.activation : JSON.stringify(config.activation),
    init: typeof config.init === "string" ? config.init : JSON.stringify(config.init),
    batch_norm: config.batchNorm,
    optimizer: config.optimizer,
    learning_rate: config.learningRate,
    epochs_planned: config.epochs,
    epochs_run: run.epochs.length,
    total_seconds: run.totalSeconds,
    median_step_ms: run.epochs.length > 0 ? median(run.epochs.map((e) => e.stepMs)) : undefined,
    best_epoch: run.best?.epoch,
    best_loss: best?.loss,
    best_accuracy: best?.accuracy,
    best_mse: best?.mse,
    best_mae: best?.mae,
    best_val_loss: best?.val_loss,
    best_val_accuracy: best?.val_accuracy,
    best_val_mse: best?.val_mse,
    best_val_mae: best?.val_mae,
    test_loss: run.test?.loss,
    test_accuracy: run.test?.accuracy,
    test_mse: run.test?.mse,
    test_mae: run.test?.mae,
    target_metric: run.timeToTarget?.metric,
    target_value: run.timeToTarget?.value,
    target_reached: run.timeToTarget?.reached,
    target_epoch: run.timeToTarget?.epoch,
    target_seconds: run.timeToTarget?.seconds,
    baseline_metric: run.baseline?.metric,
    baseline_value: run.baseline?.value,
    diverged_epoch: run.diverged?.epoch,
    diverged_step: run.diverged?.step,
    diverged_loss: run.diverged?.loss,
    parallel: run.parallel,
    backend: run.engine.backend,
    threads: run.engine.threads,
    blas_core: run.engine.blasCore,
    node: run.engine.node,
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    config: JSON.stringify(config),
  };
}

/** Converts a run record for runs.jsonl: everything but the epochs, which go to epochs.jsonl. */
function runJson(run: StudyRunRecord): Row {
  const { epochs, ...rest } = run;
  return { ...rest, epochsRun: epochs.length };
}

const EPOCH_COLUMNS = ["key", "dataset", "variant", "repeat", "epoch", ...EPOCH_FIELDS.map(([column]) => column)];

function epochRowsOf(run: StudyRunRecord): Row[] {
  return run.epochs.map((logs, index) => {
    const row: Row = { key: run.key, dataset: run.dataset, variant: run.variant, repeat: run.repeat, epoch: index + 1 };
    for (const [column, key] of EPOCH_FIELDS) row[column] = logs[key];
    return row;
  });
}

/** Formats rows as RFC 4180 CSV with a header row. */
export function toCsv(rows: Row[], columns: readonly string[]): string {
  const lines = [columns.map(csvField).join(",")];
  for (const row of rows) lines.push(columns.map((c) => csvField(csvValue(row[c]))).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

function csvValue(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Formats rows as JSON Lines, omitting undefined fields and writing non-finite numbers as null. */
export function toJsonLines(rows: Row[]): string {
  return rows.map((row) => JSON.stringify(row)).join("\n") + (rows.length > 0 ? "\n" : "");
}
