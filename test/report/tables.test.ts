import { test } from "node:test";
import assert from "node:assert/strict";
import { escapeHtml, formatNumber } from "../../src/report/escape.js";
import { groupRuns } from "../../src/report/series.js";
import { estimate, formatEstimate, renderIncompleteRuns, renderSummaryTable, tQuantile975 } from "../../src/report/tables.js";
import { HOSTILE_VARIANT, makeResults, sampleStudy } from "./fixtures.js";

test("escapeHtml escapes all five characters", () => {
  assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
  assert.equal(escapeHtml(3), "3");
  assert.equal(escapeHtml("&amp;"), "&amp;amp;");
});

test("formatNumber spells out missing and non-finite", () => {
  assert.equal(formatNumber(undefined), "–");
  assert.equal(formatNumber(null), "–");
  assert.equal(formatNumber(NaN), "NaN");
  assert.equal(formatNumber(-Infinity), "-Infinity");
  assert.equal(formatNumber(0.123456, 3), "0.123");
});

test("tQuantile975 matches tables", () => {
  assert.equal(tQuantile975(1), 12.706);
  assert.equal(tQuantile975(2), 4.303);
  assert.equal(tQuantile975(30), 2.042);
  // Exact values: df 31 → 2.0395, df 40 → 2.0211, df 120 → 1.9799.
  assert.ok(Math.abs(tQuantile975(31) - 2.0395) < 0.0005, String(tQuantile975(31)));
  assert.ok(Math.abs(tQuantile975(40) - 2.0211) < 0.0005, String(tQuantile975(40)));
  assert.ok(Math.abs(tQuantile975(120) - 1.9799) < 0.0005, String(tQuantile975(120)));
  assert.throws(() => tQuantile975(0), RangeError);
});

test("estimate gives mean and t half-width", () => {
  const e = estimate([1, 2, 3]);
  assert.ok(e);
  assert.equal(e.mean, 2);
  assert.equal(e.n, 3);
  // sd 1, n 3: 4.303 / sqrt(3).
  assert.ok(Math.abs(e.halfWidth! - 4.303 / Math.sqrt(3)) < 1e-12);
  assert.equal(estimate([]), undefined);
  assert.equal(estimate([undefined, NaN]), undefined);
  assert.deepEqual(estimate([5, undefined]), { mean: 5, n: 1 });
});

test("formatEstimate drops zero half-width", () => {
  assert.equal(formatEstimate({ mean: 1.5, halfWidth: 0.25, n: 3 }, 2), "1.50 ± 0.25");
  assert.equal(formatEstimate({ mean: 20, halfWidth: 0, n: 3 }, 0), "20");
  assert.equal(formatEstimate(undefined, 2), "–");
});

test("summary table shows CI and best variant", () => {
  const [fashion] = groupRuns(sampleStudy());
  const html = renderSummaryTable(fashion!);
  assert.match(html, /<th scope="row">relu\/he_normal<\/th><td class="wrap">3<\/td>/);
  // relu/he_normal has the highest validation accuracy, so its val cell is marked.
  const reluRow = html.split("\n").find((line) => line.includes("relu/he_normal"))!;
  assert.match(reluRow, /<td class="best">0\.\d{4} ± 0\.\d{4}<\/td>/);
  assert.match(html, /1 of 3 \(1 diverged, 1 failed\)/);
  assert.match(html, /<th scope="col">test accuracy<\/th>/);
  assert.match(html, /<th scope="col">seconds to target<\/th>/);
  assert.match(html, /<td>not reached<\/td>/);
});

test("summary table escapes variant names", () => {
  const [fashion] = groupRuns(sampleStudy());
  const html = renderSummaryTable(fashion!);
  assert.ok(!html.includes(HOSTILE_VARIANT));
  assert.ok(html.includes(escapeHtml(HOSTILE_VARIANT)));
});

test("summary table for regression uses MSE", () => {
  const results = makeResults([
    { dataset: "california-housing", variant: "a", offset: 0 },
    { dataset: "california-housing", variant: "b", offset: -0.1 },
  ]);
  const [housing] = groupRuns(results);
  const html = renderSummaryTable(housing!);
  assert.match(html, /<th scope="col">val MSE<\/th>/);
  assert.doesNotMatch(html, /seconds to target/);
  // Lower MSE is better: variant b is marked.
  const rowB = html.split("\n").find((line) => line.includes(">b<"))!;
  assert.match(rowB, /class="best"/);
});

test("incomplete runs list diverged and failed", () => {
  const [fashion, housing] = groupRuns(sampleStudy());
  const html = renderIncompleteRuns(fashion!);
  assert.match(html, /diverged<\/td><td class="text">loss NaN at epoch 5, step 17/);
  assert.match(html, /addon failed to load &lt;libopenblas\.so\.0&gt;/);
  assert.equal(renderIncompleteRuns(housing!), "");
});
