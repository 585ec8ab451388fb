import { test } from "node:test";
import assert from "node:assert/strict";
import { FASHION_MNIST_CLASS_NAMES } from "../../src/data/fashion-mnist.js";
import { escapeHtml } from "../../src/report/escape.js";
import { renderReport, type RenderOptions } from "../../src/report/html.js";
import { summarizeStudy } from "../../src/study/summary.js";
import type { StudyResults } from "../../src/study/types.js";
import { fixturePixel } from "../data/fixtures/fashion/idx-fixtures.js";
import { HOSTILE_VARIANT, fixtureLabels, makeResults, sampleStudy } from "./fixtures.js";

const GENERATED_AT = new Date("2025-02-03T04:05:06Z");

/** Splits a page into its data set sections, keyed by the escaped heading. */
function sections(html: string): Map<string, string> {
  const parts = html.split('<section id="dataset-').slice(1);
  return new Map(parts.map((part) => [/<h2>([^<]*)<\/h2>/.exec(part)![1]!, part.split("</section>")[0]!]));
}

/** Renders as writeReport does: with the study summary's tables. */
function render(results: StudyResults, options: RenderOptions = { generatedAt: GENERATED_AT }): string {
  return renderReport(results, summarizeStudy(results), options);
}

function gridImages() {
  const images = new Float32Array(30 * 784);
  for (let i = 0; i < images.length; i++) images[i] = fixturePixel(i) / 255;
  return { images, labels: fixtureLabels(30), rows: 28, cols: 28, classNames: FASHION_MNIST_CLASS_NAMES };
}

test("report escapes a script variant name", () => {
  const html = render(sampleStudy(), { generatedAt: GENERATED_AT });
  assert.ok(!html.includes(HOSTILE_VARIANT), "raw variant name in page");
  assert.ok(!html.includes("alert(1)</script>"), "closing script tag in page");
  assert.doesNotMatch(html, /<script/i, "script element in page");
  assert.ok(html.includes(escapeHtml(HOSTILE_VARIANT)), "escaped variant name missing");
});

test("report escapes names in every position", () => {
  const results = sampleStudy();
  results.name = `study "one" <img src=x onerror=alert(2)>`;
  results.machine.cpuModel = `cpu' onmouseover='alert(3)`;
  for (const run of results.runs) {
    if (run.dataset === "california-housing") run.dataset = "<img src=x onerror=alert(4)>" as typeof run.dataset;
  }
  results.runs[0]!.error = "<iframe src=javascript:alert(5)>";
  const html = render(results, { generatedAt: GENERATED_AT });
  for (const raw of ["<img src=x", "onmouseover='alert", "<iframe"]) {
    assert.ok(!html.includes(raw), `raw ${raw} in page`);
  }
  assert.match(html, /<title>study &quot;one&quot; &lt;img src=x onerror=alert\(2\)&gt;: trainlab report<\/title>/);
  assert.ok(html.includes("cpu&#39; onmouseover=&#39;alert(3)"));
  assert.doesNotMatch(html, /<script/i);
});

test("report is self-contained", () => {
  const html = render(sampleStudy(), { generatedAt: GENERATED_AT, imageGrid: { images: gridImages(), indices: Array.from({ length: 25 }, (_, i) => i) } });
  assert.match(html, /^<!DOCTYPE html>\n<html lang="en">/);
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">/);
  const references = [...html.matchAll(/\s(?:src|href|xlink:href)="([^"]*)"/g)].map((m) => m[1]!);
  assert.ok(references.length > 25);
  for (const ref of references) assert.ok(ref.startsWith("#") || ref.startsWith("data:image/png;base64,"), `external reference ${ref.slice(0, 60)}`);
  assert.doesNotMatch(html, /<link|@import|url\((?!#)/i);
});

test("report has charts and tables per data set", () => {
  const html = render(sampleStudy(), { generatedAt: GENERATED_AT });
  const bySection = sections(html);
  assert.deepEqual([...bySection.keys()], ["fashion-mnist", "california-housing"]);
  const fashion = bySection.get("fashion-mnist")!;
  assert.equal(fashion.match(/<svg /g)?.length, 4, "train, val, time and target charts");
  assert.match(fashion, /Train accuracy per epoch/);
  assert.match(fashion, /Validation accuracy against elapsed seconds/);
  assert.match(fashion, /Seconds to reach val_accuracy ≥ 0\.8/);
  assert.match(fashion, /<table class="summary">/);
  assert.match(fashion, /<table class="incomplete">/);
  assert.match(fashion, /<table class="settings">/);
  assert.match(fashion, /mean ± half-width of the 95% Student t confidence interval/);
  const housing = bySection.get("california-housing")!;
  assert.equal(housing.match(/<svg /g)?.length, 3);
  assert.match(housing, /Validation MSE per epoch \(lower is better\)/);
  assert.match(housing, /no time-to-target chart/);
  assert.doesNotMatch(housing, /Student t/);
});

test("report header lists machine and engines", () => {
  const html = render(sampleStudy(), { generatedAt: GENERATED_AT });
  const header = html.slice(html.indexOf("<header>"), html.indexOf("</header>"));
  assert.match(header, /<h1>initializers &amp; optimizers<\/h1>/);
  assert.match(header, /<dd>2025-01-02 03:04 UTC<\/dd>/);
  assert.match(header, /<dd>2025-02-03 04:05 UTC<\/dd>/);
  assert.match(header, /<dd>Test CPU @ 2\.00GHz \(2 cores\)<\/dd>/);
  assert.match(header, /<dd>v20\.19\.0 on linux 6\.1\.0 x64<\/dd>/);
  assert.match(header, /<dd>Haswell<\/dd>/);
  assert.match(header, /<dd>native, 1 thread, OpenBLAS Haswell \(11 runs\)<\/dd>/);
  assert.match(header, /<a href="#dataset-1">california-housing<\/a>/);
});

test("report image grid present or explained", () => {
  const indices = Array.from({ length: 25 }, (_, i) => i + 2);
  const withGrid = render(sampleStudy(), { imageGrid: { images: gridImages(), indices } });
  assert.equal(withGrid.match(/<img src="data:image\/png;base64,/g)?.length, 25);
  assert.match(withGrid, /sampled at random \(indices 2, 3, 4,/);
  const missing = render(sampleStudy(), { imageGrid: { missing: "directory <x> does not exist" } });
  assert.doesNotMatch(missing, /<img /);
  assert.match(missing, /The image grid is omitted because Fashion-MNIST could not be read: directory &lt;x&gt; does not exist/);
});

test("empty study report notes it", () => {
  const empty: StudyResults = { ...makeResults([]), runs: [] };
  const html = render(empty, { generatedAt: GENERATED_AT });
  assert.match(html, /The study has no runs yet\./);
  assert.doesNotMatch(html, /<svg /);
});

test("report embeds summary tables and recommendations", () => {
  const results = sampleStudy();
  const html = render(results);
  const fashion = sections(html).get("fashion-mnist")!;
  assert.match(fashion, /<h3>Recommendations<\/h3>/);
  assert.match(fashion, /<li><strong>Most accurate<\/strong>: relu\/he_normal: test accuracy /);
  assert.match(fashion, /<li><strong>Failed to learn<\/strong>: sigmoid\/glorot_uniform \(1\/3 run\(s\) failed: addon failed to load &lt;libopenblas\.so\.0&gt;/);
  assert.match(fashion, /<th scope="col">vs relu\/he_normal \(test\)<\/th>/);
  assert.match(fashion, /Welch&#39;s t-test at the 5% level/);
  const summaryRows = fashion.slice(fashion.indexOf('<table class="summary">')).split("</table>")[0]!.match(/<tr><th scope="row">/g);
  assert.equal(summaryRows?.length, 3);
  assert.ok(!fashion.includes(HOSTILE_VARIANT));
});

test("report without summary computes tables", () => {
  const html = renderReport(sampleStudy(), undefined, { generatedAt: GENERATED_AT });
  const fashion = sections(html).get("fashion-mnist")!;
  assert.match(fashion, /<th scope="col">completed runs<\/th>/);
  assert.match(fashion, /<td class="best">/);
  assert.doesNotMatch(fashion, /Recommendations/);
  assert.ok(!html.includes(HOSTILE_VARIANT));
  assert.doesNotMatch(html, /<script/i);
});
