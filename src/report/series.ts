/**
 * Groups study runs by data set and variant and derives what the report
 * charts: mean learning curves per variant, the metric against elapsed
 * seconds, and seconds to the target metric.
 */
import type { StudyResults, StudyRunRecord } from "../study/types.js";
import type { EpochLogs } from "../train/callbacks.js";
import type { BarItem, LineSeries } from "./charts.js";

/** The metric a data set is judged by, with its train, validation and test keys. */
export interface MetricSpec {
  train: "accuracy" | "mse";
  val: "val_accuracy" | "val_mse";
  test: "accuracy" | "mse";
  /** Name shown in headings and axes. */
  label: string;
  higherIsBetter: boolean;
}

export const CLASSIFICATION_METRIC: MetricSpec = {
  train: "accuracy",
  val: "val_accuracy",
  test: "accuracy",
  label: "accuracy",
  higherIsBetter: true,
};

export const REGRESSION_METRIC: MetricSpec = {
  train: "mse",
  val: "val_mse",
  test: "mse",
  label: "MSE",
  higherIsBetter: false,
};

/** The repeats of one variant on one data set, in repeat order. */
export interface VariantRuns {
  variant: string;
  runs: StudyRunRecord[];
}

/** The runs of one data set, variants in the order they first appear. */
export interface DatasetRuns {
  dataset: string;
  metric: MetricSpec;
  variants: VariantRuns[];
}

/**
 * Groups runs by data set, then by variant, both in order of first
 * appearance. A data set is a classification when any epoch logged an
 * accuracy or its id is fashion-mnist, and a regression otherwise.
 */
export function groupRuns(results: StudyResults): DatasetRuns[] {
  const datasets = new Map<string, Map<string, StudyRunRecord[]>>();
  for (const run of results.runs) {
    let variants = datasets.get(run.dataset);
    if (!variants) {
      variants = new Map();
      datasets.set(run.dataset, variants);
    }
    const runs = variants.get(run.variant) ?? [];
    runs.push(run);
    variants.set(run.variant, runs);
  }
  return [...datasets].map(([dataset, variants]) => {
    const runs = [...variants.values()].flat();
    const classification = dataset === "fashion-mnist" || runs.some((run) => run.epochs.some((e) => finite(e.accuracy) !== undefined));
    return {
      dataset,
      metric: classification ? CLASSIFICATION_METRIC : REGRESSION_METRIC,
      variants: [...variants].map(([variant, list]) => ({ variant, runs: [...list].sort((a, b) => a.repeat - b.repeat) })),
    };
  });
}

/** Returns a finite number, or undefined for a missing, null (NaN in JSON), NaN or infinite value. */
export function finite(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/**
 * Returns the mean of `key` over the repeats at each epoch (1-based), using
 * the repeats that logged a finite value for that epoch. Epochs where no
 * repeat did are left out, so a diverged run's line stops where it diverged.
 */
export function epochCurve(runs: readonly StudyRunRecord[], key: keyof EpochLogs): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  const longest = Math.max(0, ...runs.map((run) => run.epochs.length));
  for (let i = 0; i < longest; i++) {
    const values = runs.map((run) => finite(run.epochs[i]?.[key])).filter((v): v is number => v !== undefined);
    if (values.length > 0) points.push([i + 1, mean(values)]);
  }
  return points;
}

/**
 * Returns (elapsed seconds, value) at the end of each epoch, both averaged
 * over the repeats that logged a finite value for that epoch. Elapsed time
 * sums the epochs' wall time, validation included.
 */
export function elapsedCurve(runs: readonly StudyRunRecord[], key: keyof EpochLogs): Array<[number, number]> {
  const elapsed = runs.map((run) => cumulativeSeconds(run.epochs));
  const points: Array<[number, number]> = [];
  const longest = Math.max(0, ...runs.map((run) => run.epochs.length));
  for (let i = 0; i < longest; i++) {
    const seconds: number[] = [];
    const values: number[] = [];
    runs.forEach((run, r) => {
      const value = finite(run.epochs[i]?.[key]);
      const at = elapsed[r]![i];
      if (value !== undefined && at !== undefined) {
        seconds.push(at);
        values.push(value);
      }
    });
    if (values.length > 0) points.push([round(mean(seconds), 3), values.length === 1 ? values[0]! : mean(values)]);
  }
  return points;
}

/** Builds one line per variant from `curve`, leaving out variants without points. */
export function variantLines(
  variants: readonly VariantRuns[],
  curve: (runs: readonly StudyRunRecord[]) => Array<[number, number]>,
): LineSeries[] {
  return variants
    .map((v) => ({ name: v.variant, points: curve(v.runs) }))
    .filter((line) => line.points.length > 0);
}

/** Lists the distinct targets of a data set's runs for captions, e.g. "val_accuracy ≥ 0.85". */
export function describeTargets(variants: readonly VariantRuns[]): string[] {
  const seen = new Set<string>();
  for (const v of variants) {
    for (const run of v.runs) {
      const target = run.timeToTarget ?? run.config.target;
      if (target) seen.add(`${target.metric} ${targetComparison(target.metric)} ${target.value}`);
    }
  }
  return [...seen];
}

/** The comparison run.ts applies: val_accuracy must rise to the value, other metrics fall to it. */
export function targetComparison(metric: string): "≥" | "≤" {
  return metric === "val_accuracy" ? "≥" : "≤";
}

/**
 * Returns one bar per variant: the mean seconds to the target over the
 * repeats that reached it, labeled with the mean epoch and, when some
 * repeats missed it, how many reached it. Variants where no repeat reached
 * it get no bar and the label "not reached".
 */
export function timeToTargetBars(variants: readonly VariantRuns[]): BarItem[] {
  return variants.map((v) => {
    const reached = v.runs.filter((run) => run.timeToTarget?.reached && finite(run.timeToTarget.seconds) !== undefined);
    if (reached.length === 0) return { name: v.variant, value: null, label: "not reached" };
    const seconds = mean(reached.map((run) => run.timeToTarget!.seconds!));
    const epochs = reached.map((run) => finite(run.timeToTarget!.epoch)).filter((e): e is number => e !== undefined);
    const parts = [`${seconds.toFixed(1)} s`];
    if (epochs.length > 0) parts.push(`epoch ${formatMean(epochs)}`);
    if (reached.length < v.runs.length) parts.push(`${reached.length}/${v.runs.length} runs`);
    return { name: v.variant, value: round(seconds, 3), label: parts.join(", ") };
  });
}

/** Returns the running sum of epoch seconds. A missing value ends the sum. */
function cumulativeSeconds(epochs: readonly EpochLogs[]): number[] {
  const sums: number[] = [];
  let total = 0;
  for (const logs of epochs) {
    const seconds = finite(logs.seconds);
    if (seconds === undefined) break;
    total += seconds;
    sums.push(total);
  }
  return sums;
}

export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

function formatMean(values: readonly number[]): string {
  const m = mean(values);
  return Number.isInteger(m) ? String(m) : m.toFixed(1);
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
