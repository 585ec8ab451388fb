/**
 * Turns stored study results into per-data-set tables and recommendations,
 * for the terminal and for `summary.md`.
 *
 * Every metric cell is taken at each run's best validation epoch (highest
 * val_accuracy, or lowest val MSE), then averaged over the variant's runs.
 * With 2 or more runs a cell reads mean ± half-width of the 95% Student t
 * confidence interval. Variants are compared with the baseline variant on
 * the test metric (the best validation metric when some run has no test
 * result) by Welch's t-test at the 5% level once both sides have 3 or more
 * runs, without correction for multiple comparisons.
 *
 * Recommendations are computed from these numbers and quote them.
 */
import { join } from "node:path";
import type { DatasetId } from "../train/run-config.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { describeMachine } from "./machine.js";
import { confidenceInterval, median, welchTTest, type ConfidenceInterval } from "./statistics.js";
import type { MachineInfo, StudyResults, StudyRunRecord } from "./types.js";

/** Significance level of the comparisons with the baseline. */
export const SIGNIFICANCE_LEVEL = 0.05;
/** Runs per side needed before a comparison is tested. */
export const MIN_RUNS_FOR_TEST = 3;
/**
 * A classifier "failed to learn" when its best val accuracy is at most this
 * multiple of the majority-class rate (0.1 on balanced 10 classes gives 0.15).
 */
export const CHANCE_ACCURACY_FACTOR = 1.5;
/**
 * A regressor "failed to learn" when its best val MSE is at least this
 * fraction of the MSE of predicting the train mean (R² <= 0.1).
 */
export const CONSTANT_MSE_FRACTION = 0.9;

/** Statistics of one table cell over a variant's runs. */
export interface CellStats extends ConfidenceInterval {
  values: number[];
}

export type Verdict = "baseline" | "significant" | "not significant" | "single run" | "too few runs" | "no data";

/** A variant's primary metric against the baseline variant's. */
export interface Comparison {
  verdict: Verdict;
  /** mean(variant) - mean(baseline). */
  difference?: number;
  /** Two-sided p of Welch's t-test, when tested. */
  p?: number;
}

export interface TargetStats {
  /** Runs (not failed) that reached the target. */
  reached: number;
  /** Runs (not failed) that had the target set. */
  runs: number;
  /** Seconds and epoch at which the reaching runs first reached it. */
  seconds?: CellStats;
  epochs?: CellStats;
}

export interface VariantRow {
  variant: string;
  runs: number;
  completed: number;
  diverged: number;
  failed: number;
  /** Train, validation and test metric at the best validation epoch. */
  train?: CellStats;
  val?: CellStats;
  test?: CellStats;
  /** Epochs trained (fewer than configured when a run diverged). */
  epochs?: CellStats;
  /** Training plus validation seconds. */
  totalSeconds?: CellStats;
  /** Median step time per run, in milliseconds. */
  stepMs?: CellStats;
  target?: TargetStats;
  comparison: Comparison;
  /** Evidence, with numbers, that the variant failed to learn. Unset when it learned. */
  failedToLearn?: string;
}

export interface Recommendation {
  kind: "most-accurate" | "fastest-to-target" | "pareto" | "failed-to-learn";
  /** The variants recommended (or flagged), best first. */
  variants: string[];
  /** One sentence with the evidence. */
  text: string;
}

export interface DatasetSummary {
  dataset: DatasetId;
  task: "classification" | "regression";
  /** "accuracy" (higher is better) or "MSE" (lower is better). */
  metricName: "accuracy" | "MSE";
  higherIsBetter: boolean;
  /** The split whose metric comparisons and recommendations use. */
  primary: "test" | "val";
  baseline: string;
  /** The largest number of runs of any variant. */
  maxRuns: number;
  target?: { metric: string; value: number };
  /** The threshold below which a variant counts as failed to learn, in words. */
  failureRule?: string;
  rows: VariantRow[];
  recommendations: Recommendation[];
}

export interface StudySummary {
  name: string;
  createdAt: string;
  machine: MachineInfo;
  runs: number;
  datasets: DatasetSummary[];
}

/** Builds the tables and recommendations of every data set in the results. */
export function summarizeStudy(results: StudyResults): StudySummary {
  const definition = (results.definition ?? {}) as { variants?: Array<{ name?: unknown }>; baseline?: unknown; datasets?: unknown };
  const variantOrder = (definition.variants ?? []).map((v) => String(v.name));
  const datasetOrder = Array.isArray(definition.datasets) ? (definition.datasets as string[]) : [];

  const byDataset = new Map<DatasetId, StudyRunRecord[]>();
  for (const run of results.runs) {
    const list = byDataset.get(run.dataset) ?? [];
    list.push(run);
    byDataset.set(run.dataset, list);
  }
  const datasets = [...byDataset.keys()].sort((a, b) => orderIndex(datasetOrder, a) - orderIndex(datasetOrder, b));
  return {
    name: results.name,
    createdAt: results.createdAt,
    machine: results.machine,
    runs: results.runs.length,
    datasets: datasets.map((dataset) =>
      summarizeDataset(dataset, byDataset.get(dataset)!, variantOrder, typeof definition.baseline === "string" ? definition.baseline : undefined),
    ),
  };
}

function orderIndex(order: string[], name: string): number {
  const index = order.indexOf(name);
  return index < 0 ? order.length : index;
}

function summarizeDataset(dataset: DatasetId, runs: StudyRunRecord[], variantOrder: string[], requestedBaseline?: string): DatasetSummary {
  const classification = runs.some((r) => r.best?.logs.val_accuracy !== undefined || r.epochs.some((e) => e.val_accuracy !== undefined))
    || (dataset === "fashion-mnist" && runs.every((r) => r.epochs.length === 0));
  const extract = classification ? classificationMetrics : regressionMetrics;

  const groups = new Map<string, StudyRunRecord[]>();
  for (const run of runs) {
    const list = groups.get(run.variant) ?? [];
    list.push(run);
    groups.set(run.variant, list);
  }
  const variants = [...groups.keys()].sort((a, b) => orderIndex(variantOrder, a) - orderIndex(variantOrder, b));
  const baseline = requestedBaseline !== undefined && groups.has(requestedBaseline)
    ? requestedBaseline
    : groups.has("default") ? "default" : variants[0]!;

  const learned = runs.filter((r) => r.status !== "failed");
  const primary = learned.length > 0 && learned.every((r) => r.best === undefined || r.test !== undefined) && learned.some((r) => r.test !== undefined)
    ? "test"
    : "val";
  const target = runs.find((r) => r.config.target)?.config.target;

  const rows = variants.map((variant) => buildRow(variant, groups.get(variant)!, extract));
  const threshold = failureThreshold(runs, classification);
  for (const row of rows) {
    const evidence = failureEvidence(row, groups.get(row.variant)!, classification, threshold?.value);
    if (evidence) row.failedToLearn = evidence;
  }
  const baselineRow = rows.find((r) => r.variant === baseline)!;
  for (const row of rows) row.comparison = compare(row, baselineRow, primary);

  const summary: DatasetSummary = {
    dataset,
    task: classification ? "classification" : "regression",
    metricName: classification ? "accuracy" : "MSE",
    higherIsBetter: classification,
    primary,
    baseline,
    maxRuns: Math.max(...rows.map((r) => r.runs)),
    rows,
    recommendations: [],
  };
  if (threshold) summary.failureRule = threshold.rule;
  if (target) summary.target = { metric: target.metric, value: target.value };
  summary.recommendations = recommend(summary);
  return summary;
}

interface RunMetrics {
  train?: number;
  val?: number;
  test?: number;
}

function classificationMetrics(run: StudyRunRecord): RunMetrics {
  return { train: run.best?.logs.accuracy, val: run.best?.logs.val_accuracy, test: run.test?.accuracy };
}

function regressionMetrics(run: StudyRunRecord): RunMetrics {
  const logs = run.best?.logs;
  return { train: logs?.mse, val: logs?.val_mse ?? logs?.val_loss, test: run.test?.mse };
}

function buildRow(variant: string, runs: StudyRunRecord[], extract: (run: StudyRunRecord) => RunMetrics): VariantRow {
  const trained = runs.filter((r) => r.status !== "failed");
  const metrics = trained.map(extract);
  const row: VariantRow = {
    variant,
    runs: runs.length,
    completed: runs.filter((r) => r.status === "completed").length,
    diverged: runs.filter((r) => r.status === "diverged").length,
    failed: runs.filter((r) => r.status === "failed").length,
    comparison: { verdict: "no data" },
  };
  row.train = cell(metrics.map((m) => m.train));
  row.val = cell(metrics.map((m) => m.val));
  row.test = cell(metrics.map((m) => m.test));
  row.epochs = cell(trained.map((r) => r.epochs.length));
  row.totalSeconds = cell(trained.map((r) => r.totalSeconds));
  row.stepMs = cell(trained.map((r) => (r.epochs.length > 0 ? median(r.epochs.map((e) => e.stepMs)) : undefined)));

  const withTarget = trained.filter((r) => r.timeToTarget !== undefined);
  if (withTarget.length > 0) {
    const reached = withTarget.filter((r) => r.timeToTarget!.reached);
    row.target = {
      reached: reached.length,
      runs: withTarget.length,
      seconds: cell(reached.map((r) => r.timeToTarget!.seconds)),
      epochs: cell(reached.map((r) => r.timeToTarget!.epoch)),
    };
  }
  return row;
}

/** Computes the statistics of the finite values, or undefined when there are none. */
function cell(values: Array<number | undefined>): CellStats | undefined {
  const finite = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  if (finite.length === 0) return undefined;
  return { ...confidenceInterval(finite), values: finite };
}

/**
 * Derives the "failed to learn" threshold of a data set: a best val metric
 * no better than a fixed fraction of the constant predictor's (the mean of
 * the runs' stored baselines). Returns undefined when no run stored one.
 */
function failureThreshold(runs: StudyRunRecord[], classification: boolean): { value: number; rule: string } | undefined {
  const baselines = runs
    .filter((r) => r.status !== "failed")
    .map((r) => r.baseline?.value)
    .filter((v): v is number => v !== undefined && Number.isFinite(v));
  if (baselines.length === 0) return undefined;
  const constant = baselines.reduce((a, b) => a + b, 0) / baselines.length;
  if (classification) {
    const value = CHANCE_ACCURACY_FACTOR * constant;
    return { value, rule: `best val accuracy <= ${fmt(value)} (${CHANCE_ACCURACY_FACTOR} x the majority-class rate ${fmt(constant)})` };
  }
  const value = CONSTANT_MSE_FRACTION * constant;
  return { value, rule: `best val MSE >= ${fmt(value)} (${CONSTANT_MSE_FRACTION} x the MSE ${fmt(constant)} of predicting the train mean)` };
}

/** Describes, with numbers, why a variant failed to learn, or returns undefined when it learned. */
function failureEvidence(row: VariantRow, runs: StudyRunRecord[], classification: boolean, threshold: number | undefined): string | undefined {
  const reasons: string[] = [];
  if (row.failed > 0) {
    const first = runs.find((r) => r.status === "failed")!;
    reasons.push(`${row.failed}/${row.runs} run(s) failed: ${first.error ?? "no message"}`);
  }
  if (row.diverged > 0) {
    const d = runs.find((r) => r.status === "diverged")!.diverged;
    const where = d ? `, loss ${d.loss} at epoch ${d.epoch} step ${d.step}` : "";
    reasons.push(`${row.diverged}/${row.runs} run(s) diverged${where}`);
  }
  if (row.val && threshold !== undefined) {
    const failed = classification ? row.val.mean <= threshold : row.val.mean >= threshold;
    if (failed) reasons.push(`best val ${classification ? "accuracy" : "MSE"} ${fmt(row.val.mean)}`);
  } else if (!row.val && row.runs > row.failed) {
    reasons.push("no finite validation metric in any epoch");
  }
  return reasons.length > 0 ? reasons.join("; ") : undefined;
}

function compare(row: VariantRow, baseline: VariantRow, primary: "test" | "val"): Comparison {
  if (row === baseline) return { verdict: "baseline" };
  const mine = row[primary];
  const theirs = baseline[primary];
  if (!mine || !theirs) return { verdict: "no data" };
  const difference = mine.mean - theirs.mean;
  if (mine.n === 1 && theirs.n === 1) return { verdict: "single run", difference };
  if (mine.n < MIN_RUNS_FOR_TEST || theirs.n < MIN_RUNS_FOR_TEST) return { verdict: "too few runs", difference };
  const { p } = welchTTest(mine.values, theirs.values);
  return { verdict: p < SIGNIFICANCE_LEVEL ? "significant" : "not significant", difference, p };
}

// ---------------------------------------------------------------------------
// Recommendations

function recommend(summary: DatasetSummary): Recommendation[] {
  const metric = `${summary.primary} ${summary.metricName}`;
  const better = (a: number, b: number) => (summary.higherIsBetter ? a > b : a < b);
  const learners = summary.rows.filter((r) => !r.failedToLearn && r[summary.primary]);
  const recommendations: Recommendation[] = [];

  const ranked = [...learners].sort((a, b) => {
    const difference = a[summary.primary]!.mean - b[summary.primary]!.mean;
    return summary.higherIsBetter ? -difference : difference;
  });
  if (ranked.length > 0) {
    const best = ranked[0]!;
    const bestCell = best[summary.primary]!;
    let text = `${best.variant}: ${metric} ${fmtCell(bestCell)} (${runsText(bestCell.n)})`;
    const runnerUp = ranked[1];
    if (runnerUp) {
      const cellB = runnerUp[summary.primary]!;
      text += `; runner-up ${runnerUp.variant} ${fmtCell(cellB)}`;
      if (bestCell.n >= MIN_RUNS_FOR_TEST && cellB.n >= MIN_RUNS_FOR_TEST) {
        const { p } = welchTTest(bestCell.values, cellB.values);
        text += ` (gap ${p < SIGNIFICANCE_LEVEL ? "significant" : "not significant"}, Welch p = ${fmtP(p)})`;
      }
    }
    if (best.variant !== summary.baseline) {
      const base = summary.rows.find((r) => r.variant === summary.baseline)?.[summary.primary];
      if (base) text += `; baseline ${summary.baseline} ${fmtCell(base)}${comparisonSuffix(best.comparison)}`;
    } else {
      text += "; this is the baseline";
    }
    recommendations.push({ kind: "most-accurate", variants: [best.variant], text });
  } else {
    recommendations.push({ kind: "most-accurate", variants: [], text: "none: every variant failed to learn (see below)" });
  }

  if (summary.target) {
    recommendations.push(fastestToTarget(summary, learners));
  }

  const pareto = paretoSet(learners, summary.primary, better);
  if (pareto.length > 0) {
    const steps = pareto.map((r) => `${r.variant} (${fmtSeconds(r.totalSeconds!.mean)}, ${metric} ${fmt(r[summary.primary]!.mean)})`);
    recommendations.push({
      kind: "pareto",
      variants: pareto.map((r) => r.variant),
      text: `${metric} vs total training time, fastest first: ${steps.join(" -> ")}; every other variant is slower and no better than one of these`,
    });
  } else {
    recommendations.push({ kind: "pareto", variants: [], text: "none: no variant learned" });
  }

  const failures = summary.rows.filter((r) => r.failedToLearn);
  const rule = `${summary.failureRule ? `${summary.failureRule}, or ` : ""}any run diverged or failed`;
  recommendations.push({
    kind: "failed-to-learn",
    variants: failures.map((r) => r.variant),
    text: failures.length > 0
      ? `${failures.map((r) => `${r.variant} (${r.failedToLearn})`).join("; ")}. Rule: ${rule}`
      : `none. Rule: ${rule}`,
  });
  return recommendations;
}

function fastestToTarget(summary: DatasetSummary, learners: VariantRow[]): Recommendation {
  const target = summary.target!;
  const goal = `${target.metric} ${target.metric === "val_accuracy" ? ">=" : "<="} ${target.value}`;
  const always = learners
    .filter((r) => r.target && r.target.runs > 0 && r.target.reached === r.target.runs && r.target.seconds)
    .sort((a, b) => a.target!.seconds!.mean - b.target!.seconds!.mean);
  if (always.length === 0) {
    const sometimes = learners.filter((r) => r.target && r.target.reached > 0);
    const partial = sometimes.map((r) => `${r.variant} in ${r.target!.reached}/${r.target!.runs} runs`).join(", ");
    return {
      kind: "fastest-to-target",
      variants: [],
      text: `no variant reached ${goal} in every run${partial ? ` (reached by ${partial})` : ""}`,
    };
  }
  const fastest = always[0]!;
  const describe = (r: VariantRow) => `${fmtSecondsCell(r.target!.seconds!)} (epoch ${fmtEpochs(r.target!.epochs!)})`;
  let text = `${fastest.variant} reached ${goal} after ${describe(fastest)}`;
  const next = always[1];
  if (next) text += `; next ${next.variant} after ${describe(next)}`;
  const base = always.find((r) => r.variant === summary.baseline);
  if (base && base !== fastest && base !== next) text += `; baseline ${base.variant} after ${describe(base)}`;
  if (!base && fastest.variant !== summary.baseline) text += `; baseline ${summary.baseline} did not reach it in every run`;
  return { kind: "fastest-to-target", variants: always.map((r) => r.variant), text };
}

/** Selects the variants that no other variant beats on both total time and the metric, fastest first. */
function paretoSet(rows: VariantRow[], primary: "test" | "val", better: (a: number, b: number) => boolean): VariantRow[] {
  const points = rows.filter((r) => r.totalSeconds && r[primary]);
  const dominated = (r: VariantRow) =>
    points.some((other) => {
      if (other === r) return false;
      const time = other.totalSeconds!.mean;
      const value = other[primary]!.mean;
      const own = r[primary]!.mean;
      const noWorse = time <= r.totalSeconds!.mean && (value === own || better(value, own));
      const strictly = time < r.totalSeconds!.mean || better(value, own);
      return noWorse && strictly;
    });
  return points.filter((r) => !dominated(r)).sort((a, b) => a.totalSeconds!.mean - b.totalSeconds!.mean);
}

// ---------------------------------------------------------------------------
// Formatting

/** Formats four decimals, or four significant digits in exponent form from 1e5 up (a diverging MSE). */
export function fmt(value: number, digits = 4): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 1e5 ? value.toExponential(3) : value.toFixed(digits);
}

function fmtP(p: number): string {
  return p < 0.001 ? "<0.001" : p.toFixed(3);
}

function fmtCell(c: CellStats, digits = 4): string {
  const m = fmt(c.mean, digits);
  return c.halfWidth !== undefined ? `${m} ± ${fmt(c.halfWidth, digits)}` : m;
}

function fmtSeconds(seconds: number): string {
  return `${seconds.toFixed(1)}s`;
}

function fmtSecondsCell(c: CellStats): string {
  return `${fmtCell(c, 1)}s`;
}

function fmtEpochs(c: CellStats): string {
  return c.values.every((v) => v === c.values[0]) ? String(c.values[0]) : fmtCell(c, 1);
}

function runsText(n: number): string {
  return n === 1 ? "1 run" : `${n} runs, mean ± 95% CI`;
}

function comparisonSuffix(c: Comparison): string {
  if (c.verdict === "significant" || c.verdict === "not significant") return `, difference ${c.verdict} (Welch p = ${fmtP(c.p!)})`;
  if (c.verdict === "single run") return ", single runs: not tested";
  if (c.verdict === "too few runs") return `, fewer than ${MIN_RUNS_FOR_TEST} runs: not tested`;
  return "";
}

function signed(value: number): string {
  return `${value >= 0 ? "+" : ""}${fmt(value)}`;
}

function comparisonCell(c: Comparison): string {
  switch (c.verdict) {
    case "baseline":
      return "baseline";
    case "no data":
      return "—";
    case "single run":
      return `${signed(c.difference!)} (single run)`;
    case "too few runs":
      return `${signed(c.difference!)} (< ${MIN_RUNS_FOR_TEST} runs)`;
    default:
      return `${signed(c.difference!)} p=${fmtP(c.p!)} ${c.verdict === "significant" ? "significant" : "n.s."}`;
  }
}

function runsCell(row: VariantRow): string {
  const extra: string[] = [];
  if (row.diverged > 0) extra.push(`${row.diverged} diverged`);
  if (row.failed > 0) extra.push(`${row.failed} failed`);
  return extra.length > 0 ? `${row.runs} (${extra.join(", ")})` : String(row.runs);
}

function targetCell(t: TargetStats | undefined): string {
  if (!t || t.runs === 0) return "—";
  if (t.reached === 0) return "not reached";
  const text = `${fmtSecondsCell(t.seconds!)} / ep ${fmtEpochs(t.epochs!)}`;
  return t.reached === t.runs ? text : `${t.reached}/${t.runs}: ${text}`;
}

/** Builds the table of one data set as a header row and body rows of cell text. */
export function tableRows(summary: DatasetSummary): { header: string[]; rows: string[][] } {
  const m = summary.metricName === "accuracy" ? "acc" : "MSE";
  const header = [
    "variant", "runs", `train ${m}`, `val ${m}`, `test ${m}`, "epochs", "total s", "ms/step",
    "to target", `vs ${summary.baseline} (${summary.primary})`,
  ];
  const dash = (c: CellStats | undefined, digits = 4) => (c ? fmtCell(c, digits) : "—");
  const rows = summary.rows.map((row) => [
    row.variant,
    runsCell(row),
    dash(row.train),
    dash(row.val),
    dash(row.test),
    row.epochs ? fmtEpochs(row.epochs) : "—",
    dash(row.totalSeconds, 1),
    dash(row.stepMs, 3),
    targetCell(row.target),
    comparisonCell(row.comparison),
  ]);
  return { header, rows };
}

function datasetHeading(summary: DatasetSummary): string {
  const target = summary.target
    ? `, target ${summary.target.metric} ${summary.target.metric === "val_accuracy" ? ">=" : "<="} ${summary.target.value}`
    : "";
  return `${summary.dataset} (${summary.task}${target})`;
}

const RECOMMENDATION_TITLES: Record<Recommendation["kind"], string> = {
  "most-accurate": "Most accurate",
  "fastest-to-target": "Fastest to target",
  pareto: "Pareto set",
  "failed-to-learn": "Failed to learn",
};

/** Formats the tables and recommendations as plain text for the terminal. */
export function formatSummaryText(summary: StudySummary): string {
  const blocks: string[] = [];
  for (const dataset of summary.datasets) {
    const { header, rows } = tableRows(dataset);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
    const lines = [
      datasetHeading(dataset),
      line(header),
      line(widths.map((w) => "-".repeat(w))),
      ...rows.map(line),
      "",
      ...dataset.recommendations.map((r) => `${RECOMMENDATION_TITLES[r.kind]}: ${r.text}`),
    ];
    blocks.push(lines.join("\n"));
  }
  return blocks.join("\n\n");
}

/** Formats the Markdown document written to summary.md. */
export function formatSummaryMarkdown(summary: StudySummary): string {
  const escape = (text: string) => text.replace(/\|/g, "\\|");
  const lines = [
    `# Study ${summary.name}`,
    "",
    `Created ${summary.createdAt} with ${summary.runs} stored run(s). Machine: ${describeMachine(summary.machine)}.`,
    "",
    "Metrics are taken at each run's best validation epoch. With 2 or more runs a cell reads " +
      "mean ± half-width of the 95% confidence interval (Student t). The last column compares " +
      `each variant with the baseline by Welch's t-test at the ${SIGNIFICANCE_LEVEL * 100}% level once both have ` +
      `${MIN_RUNS_FOR_TEST} or more runs, without correction for multiple comparisons. ` +
      "Total seconds count training and validation, and ms/step is the median training step time.",
  ];
  for (const dataset of summary.datasets) {
    const { header, rows } = tableRows(dataset);
    lines.push("", `## ${datasetHeading(dataset)}`, "");
    lines.push(`| ${header.map(escape).join(" | ")} |`);
    lines.push(`|${header.map((_, i) => (i < 2 ? " --- |" : " ---: |")).join("")}`);
    for (const row of rows) lines.push(`| ${row.map(escape).join(" | ")} |`);
    lines.push("", "### Recommendations", "");
    for (const r of dataset.recommendations) lines.push(`- **${RECOMMENDATION_TITLES[r.kind]}**: ${r.text}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Writes `dir/summary.md` atomically and returns its path. */
export function writeSummaryMarkdown(dir: string, summary: StudySummary): string {
  const path = join(dir, "summary.md");
  writeFileAtomic(path, formatSummaryMarkdown(summary));
  return path;
}
