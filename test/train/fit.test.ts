/**
 * The fit loop, as Keras's Model.fit. validationSplit holds out the last
 * fraction of rows, and the history has one entry per epoch. The last partial
 * batch is trained on. A loss that becomes NaN or infinite stops training with
 * the epoch and step recorded.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { createBackend } from "../../src/engine/index.js";
import { Rng } from "../../src/engine/rng.js";
import { ConfigError } from "../../src/errors.js";
import { Dense } from "../../src/nn/dense.js";
import { Sequential } from "../../src/nn/sequential.js";
import type { Optimizer } from "../../src/optim/optimizer.js";
import { SGD } from "../../src/optim/sgd.js";
import type { Callback } from "../../src/train/callbacks.js";
import { fit } from "../../src/train/fit.js";
import { assertScalarClose } from "../helpers/fixtures.js";

const backend = createBackend({ backend: "reference" });
const INPUTS = 4;
const CLASSES = 3;

function classificationData(rows: number, seed = 1): { x: Float32Array; y: Int32Array } {
  const rng = new Rng(seed);
  return {
    x: Float32Array.from({ length: rows * INPUTS }, () => rng.normal()),
    y: Int32Array.from({ length: rows }, () => rng.int(CLASSES)),
  };
}

function classifier(optimizer: Optimizer = new SGD({ learningRate: 0.05 })): Sequential {
  const model = new Sequential({
    layers: [new Dense({ units: 5, activation: "tanh" }), new Dense({ units: CLASSES, activation: "softmax" })],
    inputShape: [INPUTS],
    backend,
    seed: 3,
  });
  model.compile({ optimizer, loss: "sparse_categorical_crossentropy" });
  return model;
}

/** Records the step count fit reports and the batch sizes it trains on. */
function stepRecorder(model: Sequential) {
  const record = { steps: 0, batchSizes: [] as number[] };
  const original = model.trainOnBatch.bind(model);
  model.trainOnBatch = (x, y, n, stats) => {
    record.batchSizes.push(n);
    original(x, y, n, stats);
  };
  const callback: Callback = {
    onTrainBegin(_model, params) {
      record.steps = params.steps;
    },
  };
  return { record, callback };
}

/** Sums over rows are taken in a different order by fit and evaluate. */
const SUM_ORDER = { rtol: 1e-6, atol: 1e-7 };

describe("fit validationSplit", () => {
  it("keeps 8 of 10 rows at 0.2", () => {
    const { x, y } = classificationData(10);
    const model = classifier();
    const { record, callback } = stepRecorder(model);
    fit(model, x, y, { epochs: 1, batchSize: 1, validationSplit: 0.2, callbacks: [callback] });
    assert.equal(record.steps, 8);
    assert.equal(record.batchSizes.length, 8);
  });

  it("validates on the last rows", () => {
    const { x, y } = classificationData(10);
    const model = classifier();
    const history = fit(model, x, y, { epochs: 1, batchSize: 4, validationSplit: 0.2 });
    const last = model.evaluate(x.subarray(8 * INPUTS), y.subarray(8));
    const first = model.evaluate(x.subarray(0, 2 * INPUTS), y.subarray(0, 2));
    assertScalarClose(history.epochs[0]!.val_loss!, last.loss, SUM_ORDER, "val_loss vs the last 2 rows");
    assert.notEqual(history.epochs[0]!.val_loss, first.loss, "val_loss equals the loss of the first 2 rows");
  });

  it("never trains on validation rows", () => {
    // Validation rows with NaN inputs would make the training loss NaN if
    // any of them reached a training batch.
    const { x, y } = classificationData(10);
    x.fill(NaN, 8 * INPUTS);
    const model = classifier();
    const history = fit(model, x, y, { epochs: 2, batchSize: 3, validationSplit: 0.2 });
    assert.equal(history.diverged, undefined);
    assert.ok(Number.isFinite(history.epochs[1]!.loss), `loss ${history.epochs[1]!.loss}`);
  });

  it("rejects a split of 1", () => {
    const { x, y } = classificationData(10);
    assert.throws(
      () => fit(classifier(), x, y, { validationSplit: 1 }),
      (err: unknown) => err instanceof ConfigError && err.field === "validationSplit",
    );
  });
});

describe("fit history", () => {
  it("has one entry per epoch", () => {
    const { x, y } = classificationData(20);
    const history = fit(classifier(), x, y, { epochs: 3, batchSize: 5, validationSplit: 0.2 });
    assert.equal(history.epochs.length, 3);
  });

  it("entries have the Keras metrics", () => {
    const { x, y } = classificationData(20);
    const history = fit(classifier(), x, y, { epochs: 2, batchSize: 5, validationSplit: 0.2 });
    for (const [i, logs] of history.epochs.entries()) {
      for (const key of ["loss", "accuracy", "val_loss", "val_accuracy", "seconds"] as const) {
        const value = logs[key];
        assert.equal(typeof value, "number", `epoch ${i + 1} ${key} is missing`);
        assert.ok(Number.isFinite(value), `epoch ${i + 1} ${key} = ${value}`);
      }
      assert.ok(logs.seconds >= 0, `epoch ${i + 1} seconds ${logs.seconds}`);
      assert.ok(logs.accuracy! >= 0, `epoch ${i + 1} accuracy ${logs.accuracy}`);
      assert.ok(logs.accuracy! <= 1, `epoch ${i + 1} accuracy ${logs.accuracy}`);
    }
  });

  it("totalSeconds sums the epochs", () => {
    const { x, y } = classificationData(20);
    const history = fit(classifier(), x, y, { epochs: 2, batchSize: 5 });
    const sum = history.epochs.reduce((s, e) => s + e.seconds, 0);
    assertScalarClose(history.totalSeconds, sum, { rtol: 1e-12, atol: 0 }, "totalSeconds");
  });

  it("omits validation metrics without validation", () => {
    const { x, y } = classificationData(20);
    const history = fit(classifier(), x, y, { epochs: 1, batchSize: 5 });
    assert.equal("val_loss" in history.epochs[0]!, false);
  });

  it("regression history has mae", () => {
    const rng = new Rng(2);
    const x = Float32Array.from({ length: 20 * INPUTS }, () => rng.normal());
    const y = Float32Array.from({ length: 20 }, () => rng.normal());
    const model = regressor(new SGD({ learningRate: 0.01 }));
    const history = fit(model, x, y, { epochs: 1, batchSize: 5, validationSplit: 0.2 });
    const logs = history.epochs[0]!;
    assert.ok(Number.isFinite(logs.mae), `mae ${logs.mae}`);
    assert.ok(Number.isFinite(logs.val_mae), `val_mae ${logs.val_mae}`);
    assertScalarClose(logs.rmse!, Math.sqrt(logs.mse!), { rtol: 1e-12, atol: 0 }, "rmse");
  });
});

function regressor(optimizer: Optimizer): Sequential {
  const model = new Sequential({
    layers: [new Dense({ units: 8, activation: "relu" }), new Dense({ units: 1 })],
    inputShape: [INPUTS],
    backend,
    seed: 4,
  });
  model.compile({ optimizer, loss: "mse" });
  return model;
}

describe("fit batches", () => {
  it("trains on the last partial batch", () => {
    const { x, y } = classificationData(10);
    const model = classifier();
    const { record, callback } = stepRecorder(model);
    fit(model, x, y, { epochs: 1, batchSize: 4, callbacks: [callback] });
    assert.equal(record.steps, 3);
    assert.deepEqual(record.batchSizes, [4, 4, 2]);
    assert.equal(model.optimizer!.iterations, 3);
  });

  it("averages the loss over every row", () => {
    // At learning rate 0 the weights never change, so the epoch loss must
    // equal the loss of all 10 rows. Dropping the partial batch would
    // average only 8.
    const { x, y } = classificationData(10);
    const model = classifier(new SGD({ learningRate: 0 }));
    const history = fit(model, x, y, { epochs: 1, batchSize: 4 });
    assertScalarClose(history.epochs[0]!.loss, model.evaluate(x, y).loss, SUM_ORDER, "epoch loss vs all rows");
  });

  it("rejects batchSize 0", () => {
    const { x, y } = classificationData(10);
    assert.throws(
      () => fit(classifier(), x, y, { batchSize: 0 }),
      (err: unknown) => err instanceof ConfigError && err.field === "batchSize",
    );
  });

  it("rejects mismatched targets", () => {
    const { x } = classificationData(10);
    assert.throws(
      () => fit(classifier(), x, new Int32Array(9)),
      (err: unknown) => err instanceof ConfigError && err.field === "y.length",
    );
  });
});

describe("fit divergence", () => {
  function divergingRun() {
    const rng = new Rng(5);
    const x = Float32Array.from({ length: 64 * INPUTS }, () => 10 * rng.normal());
    const y = Float32Array.from({ length: 64 }, () => 100 * rng.normal());
    // A learning rate of 1e6 overflows float32 within a few steps.
    const model = regressor(new SGD({ learningRate: 1e6 }));
    const history = fit(model, x, y, { epochs: 5, batchSize: 8 });
    return history;
  }

  it("records epoch and step", () => {
    const { diverged } = divergingRun();
    assert.ok(diverged, "history.diverged is not set");
    assert.equal(diverged.epoch, 1);
    assert.ok(Number.isInteger(diverged.step), `step ${diverged.step}`);
    assert.ok(diverged.step >= 1, `step ${diverged.step}`);
    assert.ok(diverged.step <= 8, `step ${diverged.step} of 8`);
  });

  it("records a non-finite loss", () => {
    const { diverged } = divergingRun();
    assert.ok(diverged, "history.diverged is not set");
    assert.ok(!Number.isFinite(diverged.loss), `loss ${diverged.loss}`);
  });

  it("stops without NaN epochs", () => {
    const history = divergingRun();
    assert.equal(history.epochs.length, 0);
  });
});
