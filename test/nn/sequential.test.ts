/**
 * Sequential model behaviour: reproducibility from a seed on the reference
 * backend (initial weights, rrelu noise and the fit shuffle), the packed
 * parameter buffers, weight access, and the loss/output pairings compile
 * accepts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { createBackend } from "../../src/engine/index.js";
import { Rng } from "../../src/engine/rng.js";
import { ConfigError } from "../../src/errors.js";
import { ActivationLayer } from "../../src/nn/activation-layer.js";
import { BatchNormalization } from "../../src/nn/batch-normalization.js";
import { Dense } from "../../src/nn/dense.js";
import { Sequential } from "../../src/nn/sequential.js";
import { Adam } from "../../src/optim/adam.js";
import { SGD } from "../../src/optim/sgd.js";
import type { EpochLogs } from "../../src/train/callbacks.js";
import { fit } from "../../src/train/fit.js";

const backend = createBackend({ backend: "reference" });
const INPUTS = 6;
const CLASSES = 3;
const ROWS = 40;

/** Returns synthetic classification data whose label is the argmax of three input sums. */
function syntheticData(seed: number): { x: Float32Array; y: Int32Array } {
  const rng = new Rng(seed);
  const x = Float32Array.from({ length: ROWS * INPUTS }, () => rng.normal());
  const y = new Int32Array(ROWS);
  for (let r = 0; r < ROWS; r++) {
    const sums = [0, 1, 2].map((k) => x[r * INPUTS + 2 * k]! + x[r * INPUTS + 2 * k + 1]!);
    y[r] = sums.indexOf(Math.max(...sums));
  }
  return { x, y };
}

/**
 * Builds a small model that uses every random draw a run makes: glorot
 * weights and rrelu training noise, with batch normalization between.
 */
function tinyModel(seed: number): Sequential {
  const model = new Sequential({
    layers: [
      new Dense({ units: 8, activation: "rrelu" }),
      new BatchNormalization(),
      new Dense({ units: 8, activation: "elu" }),
      new Dense({ units: CLASSES, activation: "softmax" }),
    ],
    inputShape: [INPUTS],
    backend,
    seed,
  });
  model.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: "sparse_categorical_crossentropy" });
  return model;
}

/** Trains a fresh model and returns its initial and final weights and its history without timings. */
function trainRun(seed: number) {
  const { x, y } = syntheticData(100);
  const model = tinyModel(seed);
  const initial = model.getWeights();
  const history = fit(model, x, y, { epochs: 3, batchSize: 8, validationSplit: 0.25, seed });
  const metrics = history.epochs.map((e: EpochLogs) => ({
    loss: e.loss,
    accuracy: e.accuracy,
    val_loss: e.val_loss,
    val_accuracy: e.val_accuracy,
  }));
  return { initial, weights: model.getWeights(), metrics };
}

function fixtureModel(): Sequential {
  return new Sequential({
    layers: [new Dense({ units: 4, activation: "relu" }), new BatchNormalization(), new Dense({ units: 2 })],
    inputShape: [3],
    backend,
    seed: 7,
  });
}

describe("Sequential reproducibility", () => {
  it("same seed gives same weights", () => {
    const a = trainRun(42);
    const b = trainRun(42);
    assert.deepEqual(b.initial, a.initial, "initial weights differ");
    assert.deepEqual(b.weights, a.weights, "trained weights differ");
  });

  it("same seed gives same history", () => {
    const a = trainRun(42);
    const b = trainRun(42);
    assert.equal(a.metrics.length, 3);
    assert.deepEqual(b.metrics, a.metrics);
  });

  it("different seeds differ", () => {
    const a = trainRun(42);
    const b = trainRun(43);
    assert.notDeepEqual(b.initial, a.initial, "initial weights are equal");
    assert.notDeepEqual(b.weights, a.weights, "trained weights are equal");
    assert.notDeepEqual(b.metrics, a.metrics, "histories are equal");
  });

  it("training actually learns", () => {
    // Guards the checks above: identical histories of a model that never
    // changes would prove nothing.
    const { metrics } = trainRun(42);
    assert.ok(metrics[2]!.loss < metrics[0]!.loss, `loss went from ${metrics[0]!.loss} to ${metrics[2]!.loss}`);
  });
});

describe("Sequential weights", () => {
  it("lists weights in layer order", () => {
    const names = fixtureModel().weights.map((w) => w.name.split("/")[1]);
    assert.deepEqual(names, ["kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance", "kernel", "bias"]);
  });

  it("packs only trainable weights", () => {
    const model = fixtureModel();
    // Dense 3*4 + 4, gamma and beta 4 + 4, Dense 4*2 + 2. The moving statistics are not trainable.
    assert.equal(model.trainableCount, 16 + 8 + 10);
    assert.equal(model.parameters.gradViews.length, 6);
  });

  it("weights are views of the flat buffer", () => {
    const model = fixtureModel();
    const kernel = (model.layers[0] as Dense).kernel;
    model.parameters.values[0] = 123;
    assert.equal(kernel.value[0], 123);
  });

  it("getWeights returns copies", () => {
    const model = fixtureModel();
    const weights = model.getWeights();
    weights[0]![0] = 99;
    assert.notEqual(model.getWeights()[0]![0], 99);
  });

  it("setWeights round-trips", () => {
    const model = fixtureModel();
    const rng = new Rng(3);
    const values = model.weights.map((w) => Float32Array.from({ length: w.size }, () => rng.normal()));
    model.setWeights(values);
    assert.deepEqual(model.getWeights(), values);
  });

  it("setWeights rejects a wrong count", () => {
    const model = fixtureModel();
    assert.throws(
      () => model.setWeights(model.getWeights().slice(1)),
      (err: unknown) => err instanceof ConfigError && err.field === "weights",
    );
  });

  it("setWeights rejects a wrong size", () => {
    const model = fixtureModel();
    const weights = model.getWeights();
    weights[1] = new Float32Array(5);
    assert.throws(
      () => model.setWeights(weights),
      (err: unknown) => err instanceof ConfigError && err.field.startsWith("weights[1]"),
    );
  });
});

describe("Sequential compile", () => {
  it("cross-entropy needs a softmax or linear output", () => {
    const model = new Sequential({
      layers: [new Dense({ units: 3, activation: "relu" })],
      inputShape: [2],
      backend,
    });
    assert.throws(
      () => model.compile({ optimizer: new SGD(), loss: "sparse_categorical_crossentropy" }),
      (err: unknown) => err instanceof ConfigError && err.field === "loss",
    );
  });

  it("mse rejects a softmax output", () => {
    const model = new Sequential({
      layers: [new Dense({ units: 3, activation: "softmax" })],
      inputShape: [2],
      backend,
    });
    assert.throws(
      () => model.compile({ optimizer: new SGD(), loss: "mse" }),
      (err: unknown) => err instanceof ConfigError && err.field === "loss",
    );
  });

  it("rejects an unknown loss", () => {
    const model = new Sequential({ layers: [new Dense({ units: 1 })], inputShape: [2], backend });
    assert.throws(
      () => model.compile({ optimizer: new SGD(), loss: "hinge" }),
      (err: unknown) => err instanceof ConfigError && err.field === "loss",
    );
  });

  it("rejects no layers", () => {
    assert.throws(
      () => new Sequential({ layers: [], inputShape: [2], backend }),
      (err: unknown) => err instanceof ConfigError && err.field === "layers",
    );
  });

  it("trainOnBatch needs compile", () => {
    const model = new Sequential({ layers: [new ActivationLayer("relu")], inputShape: [2], backend });
    assert.throws(
      () => model.trainOnBatch(new Float32Array(2), new Float32Array(2), 1, {
        lossSum: 0, correct: 0, absErrorSum: 0, squaredErrorSum: 0,
      }),
      /compile/,
    );
  });

  it("predict applies the fused softmax", () => {
    const model = tinyModel(5);
    const { x } = syntheticData(1);
    const probs = model.predict(x);
    for (let r = 0; r < ROWS; r++) {
      const sum = probs[r * CLASSES]! + probs[r * CLASSES + 1]! + probs[r * CLASSES + 2]!;
      assert.ok(Math.abs(sum - 1) < 1e-6, `row ${r} sums to ${sum}`);
    }
  });

  it("predict rejects a partial row", () => {
    const model = tinyModel(5);
    assert.throws(
      () => model.predict(new Float32Array(INPUTS + 1)),
      (err: unknown) => err instanceof ConfigError && err.field === "x.length",
    );
  });
});
