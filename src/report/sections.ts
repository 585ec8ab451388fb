/**
 * The parts of the report page: the header with the study, machine and
 * engine facts, and one section per data set with its charts, its variant
 * settings and its tables. Every value from the results is escaped here.
 */
import type { StudyResults } from "../study/types.js";
import { renderBarChart, renderLineChart } from "./charts.js";
import { escapeHtml } from "./escape.js";
import { describeTargets, elapsedCurve, epochCurve, timeToTargetBars, variantLines, type DatasetRuns } from "./series.js";

/** Renders the header: study name, dates, machine, engines and a link per data set. */
export function renderHeader(results: StudyResults, datasets: readonly DatasetRuns[], generatedAt: Date): string {
  const machine = results.machine;
  const facts: Array<[string, string]> = [
    ["study created", formatDate(results.createdAt)],
    ["report generated", formatDate(generatedAt.toISOString())],
    ["CPU", `${machine.cpuModel} (${machine.cores} cores)`],
    ["memory", formatBytes(machine.memoryBytes)],
    ["Node.js", `${machine.node} on ${machine.platform}`],
    ["BLAS core", machine.blasCore ?? "not recorded"],
  ];
  if (machine.blasConfig) facts.push(["BLAS config", machine.blasConfig]);
  if (machine.threads !== undefined) facts.push(["BLAS threads per run (requested)", String(machine.threads)]);
  facts.push(["engines", describeEngines(results)]);
  facts.push(["runs in parallel", describeParallel(results)]);

  const rows = facts.map(([name, value]) => `<dt>${escapeHtml(name)}</dt><dd>${escapeHtml(value)}</dd>`).join("\n");
  const links = datasets.map((d, i) => `<li><a href="#dataset-${i}">${escapeHtml(d.dataset)}</a></li>`);
  links.push('<li><a href="#fashion-mnist-images">Fashion-MNIST images</a></li>');
  return [
    "<header>",
    `<h1>${escapeHtml(results.name)}</h1>`,
    `<p class="lead">trainlab study report: ${results.runs.length} runs on ${datasets.length} data set${datasets.length === 1 ? "" : "s"}.</p>`,
    `<dl class="facts">\n${rows}\n</dl>`,
    `<nav><ul>${links.join("")}</ul></nav>`,
    "</header>",
  ].join("\n");
}

/**
 * Renders the charts of one data set: train and validation metric per
 * epoch, validation metric against elapsed seconds, and seconds to target.
 */
export function renderCharts(section: DatasetRuns): string {
  const { metric, variants } = section;
  const direction = metric.higherIsBetter ? "higher is better" : "lower is better";
  const figures = [
    figure(`Train ${metric.label} per epoch (${direction})`, renderLineChart({
      xName: "epoch",
      yName: `train ${metric.label}`,
      integerX: true,
      series: variantLines(variants, (runs) => epochCurve(runs, metric.train)),
    })),
    figure(`Validation ${metric.label} per epoch (${direction})`, renderLineChart({
      xName: "epoch",
      yName: `val ${metric.label}`,
      integerX: true,
      series: variantLines(variants, (runs) => epochCurve(runs, metric.val)),
    })),
    figure(`Validation ${metric.label} against elapsed seconds`, renderLineChart({
      xName: "elapsed seconds (training and validation)",
      yName: `val ${metric.label}`,
      series: variantLines(variants, (runs) => elapsedCurve(runs, metric.val)),
    })),
  ];
  const targets = describeTargets(variants);
  if (targets.length > 0) {
    figures.push(figure(`Seconds to reach ${targets.join(" or ")}`, renderBarChart({
      valueName: "seconds (training and validation)",
      items: timeToTargetBars(variants),
    })));
  }
  const repeats = Math.max(...variants.map((v) => v.runs.length));
  const notes = [repeats > 1 ? "Lines and bars show the mean over each variant's repeats." : ""];
  if (targets.length === 0) notes.push("These runs set no target metric, so there is no time-to-target chart.");
  const noteText = notes.filter(Boolean).join(" ");
  return `${noteText ? `<p class="note">${escapeHtml(noteText)}</p>\n` : ""}<div class="charts">\n${figures.join("\n")}\n</div>`;
}

/**
 * Renders the settings that tell the variants apart: one row per variant
 * with the run config fields whose values differ between variants, and the
 * fields they share listed once below. Seeds and data directories are left out.
 */
export function renderVariantSettings(section: DatasetRuns): string {
  const configs = section.variants.map((v) => (v.runs[0]?.config ?? {}) as unknown as Record<string, unknown>);
  const keys = [...new Set(configs.flatMap((c) => Object.keys(c)))].filter((k) => k !== "seed" && k !== "dataDir");
  const differing = keys.filter((k) => new Set(configs.map((c) => formatSetting(c[k]))).size > 1);
  const shared = keys.filter((k) => !differing.includes(k) && configs[0]?.[k] !== undefined);

  let table = "";
  if (differing.length > 0) {
    const head = ["variant", ...differing].map((h) => `<th scope="col" class="text">${escapeHtml(h)}</th>`).join("");
    const rows = section.variants.map((v, i) => {
      const cells = differing.map((k) => `<td class="text">${escapeHtml(formatSetting(configs[i]![k]))}</td>`).join("");
      return `<tr><th scope="row">${escapeHtml(v.variant)}</th>${cells}</tr>`;
    });
    table = `<div class="table-wrap"><table class="settings">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${rows.join("\n")}\n</tbody>\n</table></div>\n`;
  }
  const common = shared.map((k) => `${k} ${formatSetting(configs[0]![k])}`).join("; ");
  return `${table}<p class="note">${escapeHtml(common ? `Shared by all variants: ${common}.` : "The variants share no settings.")}</p>`;
}

/** Formats a config value for a table cell: strings as they are, the rest as compact JSON. */
function formatSetting(value: unknown): string {
  if (value === undefined) return "–";
  if (typeof value === "string") return value;
  return JSON.stringify(value) ?? String(value);
}

function figure(caption: string, svg: string): string {
  return `<figure>\n<figcaption>${escapeHtml(caption)}</figcaption>\n${svg}\n</figure>`;
}

/** Lists each distinct engine setting with its run count, e.g. "native, 1 thread, OpenBLAS Haswell (12 runs)". */
function describeEngines(results: StudyResults): string {
  const counts = new Map<string, number>();
  for (const run of results.runs) {
    const e = run.engine;
    const parts = [e.backend, `${e.threads} thread${e.threads === 1 ? "" : "s"}`];
    if (e.blasCore) parts.push(`OpenBLAS ${e.blasCore}`);
    const text = parts.join(", ");
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  return [...counts].map(([text, n]) => `${text} (${n} run${n === 1 ? "" : "s"})`).join("; ") || "no runs";
}

function describeParallel(results: StudyResults): string {
  const values = [...new Set(results.runs.map((run) => run.parallel))].sort((a, b) => a - b);
  if (values.length === 0) return "–";
  return values.length === 1 ? String(values[0]) : `${values[0]} to ${values[values.length - 1]}`;
}

/** Formats an ISO time as "YYYY-MM-DD HH:MM UTC". Other text is returned unchanged. */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes <= 0) return "not recorded";
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}
