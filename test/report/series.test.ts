import { test } from "node:test";
import assert from "node:assert/strict";
import { renderBarChart, renderLineChart } from "../../src/report/charts.js";
import { escapeHtml } from "../../src/report/escape.js";
import {
  CLASSIFICATION_METRIC,
  REGRESSION_METRIC,
  describeTargets,
  elapsedCurve,
  epochCurve,
  groupRuns,
  timeToTargetBars,
} from "../../src/report/series.js";
import { HOSTILE_VARIANT, makeResults, makeRun, sampleStudy } from "./fixtures.js";

test("groupRuns keeps order and picks metric", () => {
  const groups = groupRuns(sampleStudy());
  assert.deepEqual(groups.map((g) => g.dataset), ["fashion-mnist", "california-housing"]);
  assert.equal(groups[0]!.metric, CLASSIFICATION_METRIC);
  assert.equal(groups[1]!.metric, REGRESSION_METRIC);
  assert.deepEqual(groups[0]!.variants.map((v) => v.variant), ["relu/he_normal", HOSTILE_VARIANT, "sigmoid/glorot_uniform"]);
  assert.deepEqual(groups[0]!.variants[0]!.runs.map((r) => r.repeat), [0, 1, 2]);
});

test("epochCurve averages repeats per epoch", () => {
  const a = makeRun({ dataset: "fashion-mnist", variant: "v", epochs: 2 });
  const b = makeRun({ dataset: "fashion-mnist", variant: "v", epochs: 3, repeat: 1 });
  const curve = epochCurve([a, b], "val_accuracy");
  assert.equal(curve.length, 3);
  assert.deepEqual(curve.map(([epoch]) => epoch), [1, 2, 3]);
  assert.ok(Math.abs(curve[0]![1] - (a.epochs[0]!.val_accuracy! + b.epochs[0]!.val_accuracy!) / 2) < 1e-12);
  // Only b has epoch 3.
  assert.equal(curve[2]![1], b.epochs[2]!.val_accuracy);
});

test("epochCurve skips non-finite values", () => {
  const run = makeRun({ dataset: "fashion-mnist", variant: "v", epochs: 3 });
  run.epochs[1]!.val_accuracy = NaN;
  run.epochs[2]!.val_accuracy = null as unknown as number;
  assert.deepEqual(epochCurve([run], "val_accuracy").map(([epoch]) => epoch), [1]);
});

test("elapsedCurve sums epoch seconds", () => {
  const run = makeRun({ dataset: "fashion-mnist", variant: "v", epochs: 3, secondsPerEpoch: 1.5 });
  const curve = elapsedCurve([run], "val_accuracy");
  assert.deepEqual(curve.map(([seconds]) => seconds), [1.5, 3, 4.5]);
  assert.equal(curve[1]![1], run.epochs[1]!.val_accuracy);
});

test("timeToTargetBars marks variants never reaching target", () => {
  const [fashion] = groupRuns(sampleStudy());
  const bars = timeToTargetBars(fashion!.variants);
  assert.equal(bars.length, 3);
  assert.equal(bars[0]!.name, "relu/he_normal");
  assert.equal(bars[0]!.value, 6);
  assert.equal(bars[0]!.label, "6.0 s, epoch 3");
  assert.deepEqual(bars[2], { name: "sigmoid/glorot_uniform", value: null, label: "not reached" });
  assert.deepEqual(describeTargets(fashion!.variants), ["val_accuracy ≥ 0.8"]);
});

test("timeToTargetBars counts partial reach", () => {
  const target = { metric: "val_accuracy", value: 0.8 };
  const results = makeResults([
    { dataset: "fashion-mnist", variant: "v", repeat: 0, offset: 0.02, target },
    { dataset: "fashion-mnist", variant: "v", repeat: 1, offset: -0.2, target },
  ]);
  const [fashion] = groupRuns(results);
  const [bar] = timeToTargetBars(fashion!.variants);
  assert.match(bar!.label, /, 1\/2 runs$/);
});

test("line chart SVG escapes series names", () => {
  const svg = renderLineChart({
    xName: "epoch",
    yName: "val accuracy",
    integerX: true,
    series: [
      { name: HOSTILE_VARIANT, points: [[1, 0.5], [2, 0.6]] },
      { name: `a"b'c&d`, points: [[1, 0.4], [2, 0.7]] },
    ],
  });
  assert.match(svg, /^<svg [^>]*viewBox="0 0 640 \d+"/);
  assert.ok(!svg.includes(HOSTILE_VARIANT), "raw script tag in SVG");
  assert.ok(svg.includes(escapeHtml(HOSTILE_VARIANT)), "escaped legend entry missing");
  assert.ok(svg.includes("a&quot;b&#39;c&amp;d"), "escaped quotes missing");
  assert.doesNotMatch(svg, /<script/i);
});

test("bar chart labels unreached variants", () => {
  const svg = renderBarChart({
    valueName: "seconds",
    items: [
      { name: "fast {a}", value: 3, label: "3.0 s" },
      { name: HOSTILE_VARIANT, value: null, label: "not reached" },
    ],
  });
  assert.ok(svg.includes(">not reached<"), "missing not-reached label");
  assert.ok(svg.includes(">3.0 s<"));
  assert.ok(svg.includes(">fast {a}<"), "category name changed by ECharts templating");
  assert.ok(!svg.includes(HOSTILE_VARIANT));
});

test("charts share a page without id clashes", () => {
  const spec = { xName: "x", yName: "y", series: [{ name: "s", points: [[1, 1], [2, 2]] as Array<[number, number]> }] };
  const ids = [renderLineChart(spec), renderLineChart(spec)].flatMap((svg) => [...svg.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]));
  assert.ok(ids.length > 0);
  assert.equal(new Set(ids).size, ids.length, `duplicate ids: ${ids.join(", ")}`);
});
