/**
 * Renders the study summary of src/study/summary.ts (the tables and
 * recommendations that `summary.md` and the terminal show) as HTML, so the
 * report and the summary quote the same numbers.
 */
import { MIN_RUNS_FOR_TEST, SIGNIFICANCE_LEVEL, tableRows, type DatasetSummary, type Recommendation } from "../study/summary.js";
import { escapeHtml } from "./escape.js";

const RECOMMENDATION_TITLES: Record<Recommendation["kind"], string> = {
  "most-accurate": "Most accurate",
  "fastest-to-target": "Fastest to target",
  pareto: "Pareto set",
  "failed-to-learn": "Failed to learn",
};

/** Explains how the summary table's cells were computed. */
export function describeSummaryTable(summary: DatasetSummary): string {
  const ci = summary.maxRuns > 1 ? " With 2 or more runs a cell reads mean ± half-width of the 95% Student t confidence interval." : "";
  return (
    `Metrics at each run's best validation epoch, over runs that did not fail.${ci} ` +
    `The last column compares each variant's ${summary.primary} ${summary.metricName} with the baseline ${summary.baseline} ` +
    `by Welch's t-test at the ${SIGNIFICANCE_LEVEL * 100}% level once both have ${MIN_RUNS_FOR_TEST} or more runs, ` +
    "without correction for multiple comparisons. Total seconds count training and validation; ms/step is the median training step."
  );
}

/** Renders the summary table of one data set, with the variant names as row headers. */
export function renderDatasetSummaryTable(summary: DatasetSummary): string {
  const { header, rows } = tableRows(summary);
  const head = header.map((h, i) => `<th scope="col"${i === 0 ? ' class="text"' : ""}>${escapeHtml(h)}</th>`).join("");
  const body = rows.map(([variant, ...cells]) => {
    // The runs and comparison cells may wrap, so the table fits a laptop screen.
    const tds = cells.map((cell, i) => `<td${i === 0 || i === cells.length - 1 ? ' class="wrap"' : ""}>${escapeHtml(cell)}</td>`).join("");
    return `<tr><th scope="row">${escapeHtml(variant)}</th>${tds}</tr>`;
  });
  return `<table class="summary">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body.join("\n")}\n</tbody>\n</table>`;
}

/** Renders the recommendations of one data set as a list, or "" when there are none. */
export function renderRecommendations(summary: DatasetSummary): string {
  if (summary.recommendations.length === 0) return "";
  const items = summary.recommendations.map(
    (r) => `<li><strong>${escapeHtml(RECOMMENDATION_TITLES[r.kind] ?? r.kind)}</strong>: ${escapeHtml(r.text)}</li>`,
  );
  return `<ul class="recommendations">\n${items.join("\n")}\n</ul>`;
}
