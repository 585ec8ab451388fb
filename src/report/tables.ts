/**
 * The report's own summary tables, computed from the run records: per
 * variant, best-epoch metrics, epochs, seconds, step time and seconds to
 * target, as mean ± 95% confidence half-width when a variant has repeats.
 */
import type { StudyRunRecord } from "../study/types.js";
import { escapeHtml, formatNumber } from "./escape.js";
import { describeTargets, finite, mean, type DatasetRuns, type VariantRuns } from "./series.js";

/** The mean of n values and, for n > 1, the half-width of its 95% Student t interval. */
export interface Estimate {
  mean: number;
  halfWidth?: number;
  n: number;
}

/** Two-sided 95% Student t quantiles for 1 to 30 degrees of freedom. */
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/**
 * Returns the 0.975 quantile of Student's t with `df` degrees of freedom.
 * Up to 30 it is tabulated. Above 30 it is the Cornish-Fisher expansion to
 * second order, z + (z³ + z) / (4 df) + (5z⁵ + 16z³ + 3z) / (96 df²), which
 * is within 0.0005 of the exact value there.
 */
export function tQuantile975(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`degrees of freedom must be an integer >= 1, got ${df}`);
  if (df <= T95.length) return T95[df - 1]!;
  const z = 1.959964;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2);
}

/** Estimates the mean of the finite values, or returns undefined when there are none. */
export function estimate(values: ReadonlyArray<number | undefined>): Estimate | undefined {
  const xs = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  if (xs.length === 0) return undefined;
  const m = mean(xs);
  if (xs.length === 1) return { mean: m, n: 1 };
  const variance = xs.reduce((sum, x) => sum + (x - m) ** 2, 0) / (xs.length - 1);
  return { mean: m, halfWidth: (tQuantile975(xs.length - 1) * Math.sqrt(variance)) / Math.sqrt(xs.length), n: xs.length };
}

/**
 * Formats an estimate as "mean ± half-width", or as "mean" alone for one
 * value or identical values, and as an en dash when there is none.
 */
export function formatEstimate(value: Estimate | undefined, digits: number): string {
  if (!value) return "–";
  const text = formatNumber(value.mean, digits);
  return value.halfWidth === undefined || value.halfWidth === 0 ? text : `${text} ± ${formatNumber(value.halfWidth, digits)}`;
}

/** One column of the summary table: its heading, and the value of one run. */
interface Column {
  heading: string;
  digits: number;
  value: (run: StudyRunRecord) => number | undefined;
}

/**
 * Renders the summary table of one data set. Metrics are means over the
 * completed runs of each variant, because a diverged run's time and epochs
 * stop early. The best mean validation metric is marked with class "best".
 */
export function renderSummaryTable(section: DatasetRuns): string {
  const { metric } = section;
  const runs = section.variants.flatMap((v) => v.runs);
  const columns: Column[] = [
    { heading: "best epoch", digits: 1, value: (run) => finite(run.best?.epoch) },
    { heading: `train ${metric.label}`, digits: 4, value: (run) => finite(run.best?.logs[metric.train]) },
    { heading: `val ${metric.label}`, digits: 4, value: (run) => finite(run.best?.logs[metric.val]) },
  ];
  if (runs.some((run) => run.test !== undefined)) {
    columns.push({ heading: `test ${metric.label}`, digits: 4, value: (run) => finite(run.test?.[metric.test]) });
  }
  columns.push(
    { heading: "epochs", digits: 1, value: (run) => run.epochs.length },
    { heading: "seconds", digits: 1, value: (run) => finite(run.totalSeconds) },
    { heading: "ms/step", digits: 2, value: (run) => estimate(run.epochs.map((e) => finite(e.stepMs)))?.mean },
  );
  const targets = describeTargets(section.variants);

  const rows = section.variants.map((v) => {
    const completed = v.runs.filter((run) => run.status === "completed");
    const cells = columns.map((column) => {
      const digits = column.heading === "best epoch" || column.heading === "epochs" ? integerDigits(completed, column) : column.digits;
      return formatEstimate(estimate(completed.map(column.value)), digits);
    });
    if (targets.length > 0) cells.push(formatTarget(v));
    return { variant: v.variant, runs: describeRuns(v), cells, val: estimate(completed.map(columns[2]!.value))?.mean };
  });
  const bestVal = pickBest(rows.map((row) => row.val), metric.higherIsBetter);

  const headings = ["variant", "completed runs", ...columns.map((c) => c.heading)];
  if (targets.length > 0) headings.push("seconds to target");
  const head = headings.map((h, i) => `<th scope="col"${i === 0 ? ' class="text"' : ""}>${escapeHtml(h)}</th>`).join("");
  const body = rows
    .map((row, index) => {
      const cells = row.cells.map((cell, c) => {
        const best = c === 2 && index === bestVal ? ' class="best"' : "";
        return `<td${best}>${escapeHtml(cell)}</td>`;
      });
      return `<tr><th scope="row">${escapeHtml(row.variant)}</th><td class="wrap">${escapeHtml(row.runs)}</td>${cells.join("")}</tr>`;
    })
    .join("\n");
  return `<table class="summary">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/** Renders the runs that diverged or failed, or "" when all completed. */
export function renderIncompleteRuns(section: DatasetRuns): string {
  const incomplete = section.variants.flatMap((v) => v.runs).filter((run) => run.status !== "completed");
  if (incomplete.length === 0) return "";
  const rows = incomplete.map((run) => {
    const detail =
      run.status === "diverged" && run.diverged
        ? `loss ${run.diverged.loss} at epoch ${run.diverged.epoch}, step ${run.diverged.step}`
        : (run.error ?? "");
    return `<tr><th scope="row">${escapeHtml(run.variant)}</th><td>${escapeHtml(run.repeat)}</td><td class="text">${escapeHtml(run.status)}</td><td class="text">${escapeHtml(detail)}</td></tr>`;
  });
  return [
    '<table class="incomplete">',
    '<thead><tr><th scope="col" class="text">variant</th><th scope="col">repeat</th><th scope="col" class="text">status</th><th scope="col" class="text">detail</th></tr></thead>',
    `<tbody>\n${rows.join("\n")}\n</tbody>`,
    "</table>",
  ].join("\n");
}

/** Returns e.g. "3", or "2 of 3 (1 diverged)" when some runs did not complete. */
function describeRuns(v: VariantRuns): string {
  const completed = v.runs.filter((run) => run.status === "completed").length;
  if (completed === v.runs.length) return String(completed);
  const diverged = v.runs.filter((run) => run.status === "diverged").length;
  const failed = v.runs.length - completed - diverged;
  const reasons = [diverged > 0 ? `${diverged} diverged` : "", failed > 0 ? `${failed} failed` : ""].filter(Boolean);
  return `${completed} of ${v.runs.length} (${reasons.join(", ")})`;
}

/** Returns the mean seconds to target over the repeats that reached it, with a count when some did not. */
function formatTarget(v: VariantRuns): string {
  const seconds = v.runs.map((run) => (run.timeToTarget?.reached ? finite(run.timeToTarget.seconds) : undefined));
  const value = estimate(seconds);
  if (!value) return "not reached";
  return value.n < v.runs.length ? `${formatEstimate(value, 1)} (${value.n} of ${v.runs.length} runs)` : formatEstimate(value, 1);
}

/** Shows integer-valued columns without decimals when every run agrees. */
function integerDigits(runs: readonly StudyRunRecord[], column: Column): number {
  const values = runs.map(column.value).filter((v) => v !== undefined);
  return values.length > 0 && values.every((v) => v === values[0]) ? 0 : column.digits;
}

function pickBest(values: ReadonlyArray<number | undefined>, higherIsBetter: boolean): number {
  let best = -1;
  values.forEach((value, index) => {
    if (value === undefined) return;
    const current = best < 0 ? undefined : values[best];
    if (current === undefined || (higherIsBetter ? value > current : value < current)) best = index;
  });
  return best;
}
