import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBackend } from "../../src/engine/index.js";
import { loadCaliforniaHousing } from "../../src/data/california-housing.js";
import { DataError } from "../../src/errors.js";
import { prepareData } from "../../src/train/prepare-data.js";
import { runTraining } from "../../src/train/run.js";
import { validateRunConfig } from "../../src/train/run-config.js";
import { loadModel } from "../../src/train/saved-model.js";

const dir = mkdtempSync(join(tmpdir(), "trainlab-model-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const config = validateRunConfig({
  dataset: "california-housing",
  hidden: [16, 8],
  batchNorm: "after",
  epochs: 2,
  backend: "reference",
  learningRate: 0.001,
});

test("saved model predicts raw features", async () => {
  const path = join(dir, "housing.model.json");
  await runTraining(config, { saveModelPath: path });
  const saved = loadModel(path, createBackend({ backend: "reference" }));

  // The same rows through the training pipeline's scaler and the loaded model.
  const data = await prepareData(config);
  const expected = saved.model.predict(data.test.x.subarray(0, 10 * 8));
  const raw = await loadCaliforniaHousing();
  const split = await import("../../src/data/split.js");
  const parts = split.splitCaliforniaHousing(raw, { seed: 42 });
  const actual = saved.predictRaw(parts.test.x.subarray(0, 10 * 8));
  for (let i = 0; i < 10; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) < 1e-5, `row ${i}: ${actual[i]} vs ${expected[i]}`);
  }
});

test("saved model keeps every weight", async () => {
  const path = join(dir, "weights.model.json");
  await runTraining(config, { saveModelPath: path });
  const first = loadModel(path, createBackend({ backend: "reference" }));
  const second = loadModel(path, createBackend({ backend: "reference" }));
  assert.deepEqual(first.model.getWeights(), second.model.getWeights());
  // Moving statistics of batch norm are saved too, not reset to 0 and 1.
  const movingMean = first.model.weights.find((w) => w.name.endsWith("moving_mean"))!;
  assert.ok(movingMean.value.some((v) => v !== 0));
});

test("loading a non-model file fails in one line", () => {
  const path = join(dir, "not-a-model.json");
  writeFileSync(path, JSON.stringify({ hello: 1 }));
  assert.throws(() => loadModel(path, createBackend({ backend: "reference" })), (err: unknown) => {
    assert.ok(err instanceof DataError);
    assert.match(err.message, /not a trainlab model/);
    return true;
  });
});
