/**
 * Tests of the study runner on real data and the real engine. A tiny study
 * on both data sets is trained and stored, and a rerun skips every run. A
 * diverging variant is stored as diverged while the study goes on, and a
 * run that throws is recorded as failed.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";

import { validateStudyDefinition, type PlannedRun } from "../../src/study/definition.js";
import { executeRun, formatDuration, runStudy, type StudySink } from "../../src/study/runner.js";
import { loadStudyResults } from "../../src/study/store.js";
import { validateRunConfig } from "../../src/train/run-config.js";

const root = mkdtempSync(join(tmpdir(), "trainlab-runner-"));
after(() => rmSync(root, { recursive: true, force: true }));

function captureSink(): StudySink & { lines: string[]; warnings: string[] } {
  const lines: string[] = [];
  const warnings: string[] = [];
  return {
    lines,
    warnings,
    interactive: false,
    info: (line) => lines.push(line),
    warn: (line) => warnings.push(line),
    progress: () => {},
  };
}

const TINY = validateStudyDefinition({
  name: "tiny",
  datasets: ["fashion-mnist", "california-housing"],
  defaults: { hidden: [32], epochs: 1, maxTrainSamples: 1000, learningRate: 0.01, evaluateTest: true },
  variants: [{ name: "default" }, { name: "he_normal", init: "he_normal" }],
  targets: { "fashion-mnist": { metric: "val_accuracy", value: 0.5 }, "california-housing": { metric: "val_mse", value: 0.9 } },
});

describe("runStudy", () => {
  const outDir = join(root, "tiny");

  it("trains and stores a tiny study", async () => {
    const sink = captureSink();
    const outcome = await runStudy(TINY, { outDir, sink });
    assert.equal(outcome.planned, 4);
    assert.equal(outcome.skipped, 0);
    assert.equal(outcome.completed, 4);
    assert.equal(outcome.failed, 0);

    const results = loadStudyResults(outDir);
    assert.equal(results.name, "tiny");
    assert.deepEqual(results.runs.map((r) => r.key), [
      "fashion-mnist/default/0", "fashion-mnist/he_normal/0",
      "california-housing/default/0", "california-housing/he_normal/0",
    ]);
    for (const run of results.runs) {
      assert.equal(run.status, "completed", run.key);
      assert.equal(run.epochs.length, 1, run.key);
      assert.equal(run.parallel, 1);
      assert.ok(run.best, `${run.key} has a best epoch`);
      assert.ok(run.test, `${run.key} has test metrics`);
      assert.ok(run.timeToTarget, `${run.key} has a time to target`);
      assert.ok(run.baseline, `${run.key} has a constant-predictor baseline`);
      assert.ok(run.totalSeconds > 0);
    }
    const fashionBaseline = results.runs[0]!.baseline!;
    assert.equal(fashionBaseline.metric, "val_accuracy");
    assert.ok(fashionBaseline.value > 0.05, `majority-class rate ${fashionBaseline.value}`);
    assert.ok(fashionBaseline.value < 0.2, `majority-class rate ${fashionBaseline.value}`);
    const housingBaseline = results.runs[2]!.baseline!;
    assert.equal(housingBaseline.metric, "val_mse");
    assert.ok(housingBaseline.value > 1, `constant MSE ${housingBaseline.value}`);
    assert.ok(housingBaseline.value < 1.6, `constant MSE ${housingBaseline.value}`);
    assert.ok(sink.lines.some((l) => l.startsWith("[run 1/4] fashion-mnist / default (repeat 1/1) — ETA ")));
    assert.ok(sink.lines.some((l) => /^\[run 4\/4\] california-housing \/ he_normal \(repeat 1\/1\) — ETA \d+s$/.test(l)));
    assert.ok(sink.lines.some((l) => l.startsWith("  epoch 1/1 - ")));
  });

  it("rerun skips every stored run", async () => {
    const before = loadStudyResults(outDir);
    const sink = captureSink();
    const outcome = await runStudy(TINY, { outDir, sink });
    assert.equal(outcome.skipped, 4);
    assert.equal(outcome.completed, 0);
    assert.deepEqual(loadStudyResults(outDir).runs, before.runs);
  });

  it("rejects a changed run description on resume", async () => {
    await assert.rejects(runStudy(TINY, { outDir, sink: captureSink(), threads: 2 }), /differs in threads 1 -> 2/);
  });

  it("more repeats add runs only", async () => {
    const outcome = await runStudy(TINY, { outDir, sink: captureSink(), repeats: 2, datasets: ["california-housing"] });
    assert.equal(outcome.planned, 4);
    assert.equal(outcome.skipped, 2);
    assert.equal(outcome.completed, 2);
    const keys = loadStudyResults(outDir).runs.map((r) => r.key);
    assert.equal(keys.length, 6);
    assert.ok(keys.includes("california-housing/he_normal/1"));
    const repeat = loadStudyResults(outDir).runs.find((r) => r.key === "california-housing/he_normal/1")!;
    assert.equal(repeat.seed, 43);
  });

  it("stores a diverged run and goes on", async () => {
    const definition = validateStudyDefinition({
      name: "explode",
      datasets: ["california-housing"],
      defaults: { hidden: [32], epochs: 2, maxTrainSamples: 500 },
      variants: [{ name: "explode", init: "ones", learningRate: 1 }, { name: "default" }],
    });
    const dir = join(root, "explode");
    const outcome = await runStudy(definition, { outDir: dir, sink: captureSink() });
    assert.equal(outcome.diverged, 1);
    assert.equal(outcome.completed, 1);
    const [exploded, normal] = loadStudyResults(dir).runs;
    assert.equal(exploded!.status, "diverged");
    assert.ok(exploded!.diverged, "divergence point stored");
    assert.match(exploded!.diverged!.loss, /^(NaN|-?Infinity)$/);
    assert.equal(normal!.status, "completed");
  });
});

describe("executeRun", () => {
  it("records a throwing run as failed", async () => {
    const config = validateRunConfig({ dataset: "california-housing", hidden: [8], epochs: 1, maxTrainSamples: 100 });
    // A description that bypassed validation makes model building throw a
    // TypeError, which stands for any bug inside a run.
    const broken = { ...config, hidden: null } as unknown as typeof config;
    const run: PlannedRun = { key: "california-housing/broken/0", dataset: "california-housing", variant: "broken", repeat: 0, seed: 42, config: broken };
    const record = await executeRun(run, { parallel: 1, callbacks: [], log: () => {}, warn: () => {} });
    assert.equal(record.status, "failed");
    assert.match(record.error!, /TypeError/);
    assert.deepEqual(record.epochs, []);
    assert.equal(record.key, run.key);
  });
});

describe("formatDuration", () => {
  it("formats seconds, minutes and hours", () => {
    assert.equal(formatDuration(42.4), "42s");
    assert.equal(formatDuration(250), "4m10s");
    assert.equal(formatDuration(3725), "1h02m");
  });
});
