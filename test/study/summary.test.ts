/**
 * Tests of summarizeStudy on hand-made records: cells at the best epoch
 * with confidence intervals, Welch comparisons with the baseline, and
 * recommendations that follow the numbers.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

import { confidenceInterval, welchTTest } from "../../src/study/statistics.js";
import {
  formatSummaryMarkdown,
  formatSummaryText,
  summarizeStudy,
  writeSummaryMarkdown,
  type DatasetSummary,
} from "../../src/study/summary.js";
import type { StudyResults, StudyRunRecord } from "../../src/study/types.js";
import type { EpochLogs } from "../../src/train/callbacks.js";
import { validateRunConfig } from "../../src/train/run-config.js";

interface RunSpec {
  variant: string;
  repeat: number;
  /** Best-epoch val accuracy (classification) or val MSE (regression). */
  val: number;
  test: number;
  seconds: number;
  /** Epoch that reached the target, if any. */
  reachedAt?: number;
  status?: StudyRunRecord["status"];
}

function classificationRun(spec: RunSpec): StudyRunRecord {
  const epochs: EpochLogs[] = [1, 2, 3].map((n) => ({
    loss: 1 / n,
    accuracy: spec.val + 0.01,
    val_loss: 1 / n,
    val_accuracy: n === 2 ? spec.val : spec.val - 0.02,
    seconds: spec.seconds / 3,
    stepMs: 0.5,
    learningRate: 0.001,
  }));
  return finishRun("fashion-mnist", spec, epochs, { loss: 0.4, accuracy: spec.test }, "val_accuracy", 0.1);
}

function regressionRun(spec: RunSpec): StudyRunRecord {
  const epochs: EpochLogs[] = [1, 2, 3].map((n) => ({
    loss: spec.val,
    mse: spec.val - 0.05,
    mae: 0.5,
    val_loss: n === 2 ? spec.val : spec.val + 0.1,
    val_mse: n === 2 ? spec.val : spec.val + 0.1,
    seconds: spec.seconds / 3,
    stepMs: 0.2,
    learningRate: 0.001,
  }));
  return finishRun("california-housing", spec, epochs, { loss: spec.test, mse: spec.test, mae: 0.5 }, "val_mse", 1.33);
}

function finishRun(
  dataset: StudyRunRecord["dataset"],
  spec: RunSpec,
  epochs: EpochLogs[],
  test: StudyRunRecord["test"],
  metric: string,
  baseline: number,
): StudyRunRecord {
  const targetValue = metric === "val_accuracy" ? 0.85 : 0.4;
  const run: StudyRunRecord = {
    key: `${dataset}/${spec.variant}/${spec.repeat}`,
    dataset,
    variant: spec.variant,
    repeat: spec.repeat,
    seed: 42 + spec.repeat,
    status: spec.status ?? "completed",
    config: validateRunConfig({ dataset, epochs: 3, target: { metric, value: targetValue } }),
    engine: { backend: "native", threads: 1, node: "v20" },
    epochs,
    best: { epoch: 2, logs: epochs[1]! },
    test,
    timeToTarget: spec.reachedAt === undefined
      ? { metric, value: targetValue, reached: false }
      : { metric, value: targetValue, reached: true, epoch: spec.reachedAt, seconds: (spec.seconds / 3) * spec.reachedAt },
    baseline: { metric, value: baseline },
    totalSeconds: spec.seconds,
    parallel: 1,
    startedAt: "2026-01-01T00:00:00Z",
    finishedAt: "2026-01-01T00:01:00Z",
  };
  if (run.status === "diverged") {
    run.diverged = { epoch: 3, step: 5, loss: "NaN" };
    run.epochs = epochs.slice(0, 2);
  }
  return run;
}

const DEFAULT_TEST = [0.850, 0.852, 0.848];
const HE_TEST = [0.870, 0.868, 0.872];
const CLOSE_TEST = [0.851, 0.849, 0.853];

function results(): StudyResults {
  const runs: StudyRunRecord[] = [];
  for (let r = 0; r < 3; r++) {
    runs.push(classificationRun({ variant: "default", repeat: r, val: 0.85, test: DEFAULT_TEST[r]!, seconds: 30, reachedAt: 3 }));
    runs.push(classificationRun({ variant: "he", repeat: r, val: 0.87, test: HE_TEST[r]!, seconds: 31, reachedAt: 2 }));
    runs.push(classificationRun({ variant: "close", repeat: r, val: 0.85, test: CLOSE_TEST[r]!, seconds: 20 }));
    runs.push(classificationRun({ variant: "zeros", repeat: r, val: 0.1, test: 0.1, seconds: 10 }));
  }
  runs.push(classificationRun({ variant: "ones", repeat: 0, val: 0.3, test: 0.3, seconds: 5, status: "diverged" }));
  runs.push(regressionRun({ variant: "default", repeat: 0, val: 0.45, test: 0.44, seconds: 3 }));
  runs.push(regressionRun({ variant: "he", repeat: 0, val: 0.38, test: 0.37, seconds: 3.5, reachedAt: 2 }));
  return {
    name: "synthetic",
    definition: { name: "synthetic", datasets: ["fashion-mnist", "california-housing"], baseline: "default", variants: ["default", "he", "close", "zeros", "ones"].map((name) => ({ name })) },
    machine: { cpuModel: "Test CPU", cores: 2, memoryBytes: 1, node: "v20", platform: "test" },
    createdAt: "2026-01-01T00:00:00Z",
    runs,
  };
}

function dataset(summaryName: string): DatasetSummary {
  const summary = summarizeStudy(results());
  return summary.datasets.find((d) => d.dataset === summaryName)!;
}

describe("summarizeStudy tables", () => {
  const fashion = dataset("fashion-mnist");

  it("orders data sets and variants as defined", () => {
    const summary = summarizeStudy(results());
    assert.deepEqual(summary.datasets.map((d) => d.dataset), ["fashion-mnist", "california-housing"]);
    assert.deepEqual(fashion.rows.map((r) => r.variant), ["default", "he", "close", "zeros", "ones"]);
    assert.equal(fashion.primary, "test");
    assert.equal(fashion.task, "classification");
  });

  it("cells are at the best epoch with a t interval", () => {
    const he = fashion.rows.find((r) => r.variant === "he")!;
    assert.equal(he.val!.mean, 0.87);
    assert.ok(Math.abs(he.train!.mean - 0.88) < 1e-12);
    const expected = confidenceInterval(HE_TEST);
    assert.ok(Math.abs(he.test!.mean - expected.mean) < 1e-12);
    assert.ok(Math.abs(he.test!.halfWidth! - expected.halfWidth!) < 1e-12);
    assert.equal(he.epochs!.mean, 3);
    assert.equal(he.stepMs!.mean, 0.5);
  });

  it("marks significance by Welch's test", () => {
    const he = fashion.rows.find((r) => r.variant === "he")!;
    const close = fashion.rows.find((r) => r.variant === "close")!;
    assert.equal(fashion.rows[0]!.comparison.verdict, "baseline");
    assert.equal(he.comparison.verdict, "significant");
    assert.ok(Math.abs(he.comparison.p! - welchTTest(HE_TEST, DEFAULT_TEST).p) < 1e-15);
    assert.equal(close.comparison.verdict, "not significant");
    assert.ok(close.comparison.p! > 0.05);
  });

  it("single runs are not tested", () => {
    const housing = dataset("california-housing");
    const he = housing.rows.find((r) => r.variant === "he")!;
    assert.equal(he.comparison.verdict, "single run");
    assert.ok(Math.abs(he.comparison.difference! - (0.37 - 0.44)) < 1e-12);
    assert.equal(he.val!.halfWidth, undefined);
  });

  it("time to target counts reaching runs", () => {
    const he = fashion.rows.find((r) => r.variant === "he")!;
    assert.equal(he.target!.reached, 3);
    assert.equal(he.target!.epochs!.mean, 2);
    const close = fashion.rows.find((r) => r.variant === "close")!;
    assert.equal(close.target!.reached, 0);
  });
});

describe("summarizeStudy recommendations", () => {
  const fashion = dataset("fashion-mnist");
  const find = (kind: string, d = fashion) => d.recommendations.find((r) => r.kind === kind)!;

  it("most accurate quotes its evidence", () => {
    const best = find("most-accurate");
    assert.deepEqual(best.variants, ["he"]);
    assert.match(best.text, /he: test accuracy 0\.8700 ± /);
    assert.match(best.text, /significant/);
  });

  it("fastest to target picks the lowest seconds", () => {
    const fastest = find("fastest-to-target");
    assert.deepEqual(fastest.variants, ["he", "default"]);
    assert.match(fastest.text, /he reached val_accuracy >= 0\.85 after 20\.7 ± 0\.0s \(epoch 2\)/);
  });

  it("pareto set excludes dominated variants", () => {
    const pareto = find("pareto");
    // close takes 20 s for 0.851, default 30 s for 0.850 (dominated by close), he 31 s for 0.870.
    assert.deepEqual(pareto.variants, ["close", "he"]);
  });

  it("flags chance-level and diverged variants", () => {
    const failed = find("failed-to-learn");
    assert.deepEqual(failed.variants, ["zeros", "ones"]);
    assert.match(failed.text, /zeros \(best val accuracy 0\.1000\)/);
    assert.match(failed.text, /ones \(1\/1 run\(s\) diverged, loss NaN at epoch 3 step 5\)/);
    assert.match(failed.text, /Rule: best val accuracy <= 0\.1500/);
  });

  it("regression prefers lower MSE", () => {
    const housing = dataset("california-housing");
    assert.deepEqual(find("most-accurate", housing).variants, ["he"]);
    assert.deepEqual(find("fastest-to-target", housing).variants, ["he"]);
    assert.equal(housing.metricName, "MSE");
  });
});

describe("summary formatting", () => {
  it("text shows intervals and marks", () => {
    const text = formatSummaryText(summarizeStudy(results()));
    assert.match(text, /^fashion-mnist \(classification, target val_accuracy >= 0\.85\)/);
    assert.match(text, /0\.8700 ± 0\.0050/);
    assert.match(text, /p=\d\.\d{3} significant|p=<0\.001 significant/);
    assert.match(text, /n\.s\./);
    assert.match(text, /single run/);
  });

  it("markdown has a table per data set", () => {
    const markdown = formatSummaryMarkdown(summarizeStudy(results()));
    assert.match(markdown, /^# Study synthetic$/m);
    assert.match(markdown, /^## fashion-mnist/m);
    assert.match(markdown, /^## california-housing/m);
    assert.match(markdown, /^\| variant \| runs \| train acc \|/m);
    assert.match(markdown, /^\| he \| 3 \| /m);
    assert.match(markdown, /^- \*\*Most accurate\*\*: he/m);
  });

  it("writes summary.md", () => {
    const dir = mkdtempSync(join(tmpdir(), "trainlab-summary-"));
    try {
      const path = writeSummaryMarkdown(dir, summarizeStudy(results()));
      assert.equal(path, join(dir, "summary.md"));
      assert.match(readFileSync(path, "utf8"), /^# Study synthetic/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
