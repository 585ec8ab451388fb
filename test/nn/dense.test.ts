/**
 * A Dense(6, relu) -> Dense(3, softmax) model with sparse categorical
 * cross-entropy against PyTorch 1.13 float64 values (dense.json), on both
 * backends: forward values, loss, every weight gradient and the input
 * gradient, through the layer methods and through trainOnBatch.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { Rng } from "../../src/engine/rng.js";
import { ConfigError } from "../../src/errors.js";
import { Dense } from "../../src/nn/dense.js";
import { emptyStats } from "../../src/nn/losses.js";
import { Sequential } from "../../src/nn/sequential.js";
import { SGD } from "../../src/optim/sgd.js";
import type { Backend } from "../../src/engine/backend.js";
import {
  BACKEND_CASES,
  FLOAT32_VS_FLOAT64,
  assertClose,
  assertScalarClose,
  f32,
  flat,
  loadFixture,
} from "../helpers/fixtures.js";

const fx = loadFixture("dense");
const N = fx.x.length;
const INPUTS = fx.x[0]!.length;
const HIDDEN = fx.b1.length;
const CLASSES = fx.b2.length;
const labels = Int32Array.from(fx.labels);

/** Builds the fixture's model with its weights, compiled with SGD at `learningRate`. */
function fixtureModel(backend: Backend, learningRate = 0): Sequential {
  const model = new Sequential({
    layers: [
      new Dense({ units: HIDDEN, activation: "relu" }),
      new Dense({ units: CLASSES, activation: "softmax" }),
    ],
    inputShape: [INPUTS],
    backend,
    seed: 1,
  });
  model.setWeights([f32(fx.W1), f32(fx.b1), f32(fx.W2), f32(fx.b2)]);
  // SGD's constructor accepts learning rate 0 (createOptimizer does not), so
  // a step leaves the weights unchanged.
  model.compile({ optimizer: new SGD({ learningRate }), loss: "sparse_categorical_crossentropy" });
  return model;
}

/** Runs forward, loss and backward through the layer methods and returns what each step produced. */
function layerPasses(model: Sequential) {
  const [first, second] = model.layers as [Dense, Dense];
  const h1 = first.forward(f32(fx.x), N, true).slice();
  const logits = second.forward(h1, N, true).slice();
  const dlogits = new Float32Array(N * CLASSES);
  const stats = emptyStats();
  model.loss!.compute(model.backend, logits, labels, N, CLASSES, dlogits, stats);
  const dh1 = second.backward(dlogits, N, true)!.slice();
  const dx = first.backward(dh1, N, true)!.slice();
  return { h1, logits, dlogits, loss: stats.lossSum / N, correct: stats.correct, dx };
}

/** Accuracy of the fixture's probabilities: rows whose argmax equals the label. */
function fixtureCorrect(): number {
  return fx.probabilities.filter((row, i) => row.indexOf(Math.max(...row)) === fx.labels[i]).length;
}

const TOL = FLOAT32_VS_FLOAT64;

for (const backendCase of BACKEND_CASES) {
  describe(`dense model on ${backendCase.name}`, { skip: backendCase.skip }, () => {
    it("hidden activations match", () => {
      const { h1 } = layerPasses(fixtureModel(backendCase.backend()));
      assertClose(h1, flat(fx.h1), TOL, "h1");
    });

    it("logits match", () => {
      const { logits } = layerPasses(fixtureModel(backendCase.backend()));
      assertClose(logits, flat(fx.logits), TOL, "logits");
    });

    it("loss matches", () => {
      const { loss } = layerPasses(fixtureModel(backendCase.backend()));
      assertScalarClose(loss, fx.loss, TOL, "loss");
    });

    it("dlogits match", () => {
      const { dlogits } = layerPasses(fixtureModel(backendCase.backend()));
      assertClose(dlogits, flat(fx.dlogits), TOL, "dlogits");
    });

    it("weight gradients match", () => {
      const model = fixtureModel(backendCase.backend());
      layerPasses(model);
      const [first, second] = model.layers as [Dense, Dense];
      assertClose(first.kernel.grad!, flat(fx.dW1), TOL, "dW1");
      assertClose(first.bias!.grad!, fx.db1, TOL, "db1");
      assertClose(second.kernel.grad!, flat(fx.dW2), TOL, "dW2");
      assertClose(second.bias!.grad!, fx.db2, TOL, "db2");
    });

    it("input gradient matches", () => {
      const { dx } = layerPasses(fixtureModel(backendCase.backend()));
      assertClose(dx, flat(fx.dx), TOL, "dx");
    });

    it("first layer skips dx on request", () => {
      const model = fixtureModel(backendCase.backend());
      const first = model.layers[0]!;
      first.forward(f32(fx.x), N, true);
      assert.equal(first.backward(new Float32Array(N * HIDDEN), N, false), null);
    });

    it("trainOnBatch loss and gradients match", () => {
      const model = fixtureModel(backendCase.backend());
      // Fused SGD steps do not store gradients; this test reads them.
      model.fuseUpdates = false;
      const stats = emptyStats();
      model.trainOnBatch(f32(fx.x), labels, N, stats);
      assertScalarClose(stats.lossSum / N, fx.loss, TOL, "trainOnBatch loss");
      assert.equal(stats.correct, fixtureCorrect(), "trainOnBatch correct count");
      const [first, second] = model.layers as [Dense, Dense];
      assertClose(first.kernel.grad!, flat(fx.dW1), TOL, "trainOnBatch dW1");
      assertClose(first.bias!.grad!, fx.db1, TOL, "trainOnBatch db1");
      assertClose(second.kernel.grad!, flat(fx.dW2), TOL, "trainOnBatch dW2");
      assertClose(second.bias!.grad!, fx.db2, TOL, "trainOnBatch db2");
    });

    it("trainOnBatch at learning rate 0 keeps weights", () => {
      const model = fixtureModel(backendCase.backend());
      const before = model.getWeights();
      model.trainOnBatch(f32(fx.x), labels, N, emptyStats());
      assert.deepEqual(model.getWeights(), before);
    });

    it("SGD step subtracts lr times gradient", () => {
      const lr = 0.5;
      const model = fixtureModel(backendCase.backend(), lr);
      model.trainOnBatch(f32(fx.x), labels, N, emptyStats());
      const actual = model.getWeights();
      const cases = [
        { name: "W1", before: fx.W1, grad: fx.dW1 },
        { name: "b1", before: fx.b1, grad: fx.db1 },
        { name: "W2", before: fx.W2, grad: fx.dW2 },
        { name: "b2", before: fx.b2, grad: fx.db2 },
      ];
      cases.forEach(({ name, before, grad }, i) => {
        const g = flat(grad);
        const expected = flat(before).map((w, j) => w - lr * g[j]!);
        assertClose(actual[i]!, expected, TOL, `${name} after one step`);
      });
    });

    it("predict returns probabilities", () => {
      const model = fixtureModel(backendCase.backend());
      assertClose(model.predict(f32(fx.x)), flat(fx.probabilities), TOL, "probabilities");
    });

    it("evaluate returns loss and accuracy", () => {
      const model = fixtureModel(backendCase.backend());
      const result = model.evaluate(f32(fx.x), labels);
      assertScalarClose(result.loss, fx.loss, TOL, "evaluate loss");
      assert.equal(result.accuracy, fixtureCorrect() / N);
    });

    it("evaluate in small batches agrees", () => {
      const model = fixtureModel(backendCase.backend());
      const result = model.evaluate(f32(fx.x), labels, { batchSize: 3 });
      assertScalarClose(result.loss, fx.loss, TOL, "evaluate loss, batches of 3 and 1");
    });
  });
}

describe("Dense layer", () => {
  it("uses the Keras kernel layout", () => {
    const layer = new Dense({ units: HIDDEN });
    layer.build([INPUTS], { backend: BACKEND_CASES[0]!.backend(), rng: new Rng(1) });
    assert.deepEqual(layer.kernel.shape, [INPUTS, HIDDEN]);
    assert.deepEqual(layer.bias!.shape, [HIDDEN]);
  });

  it("has no bias when useBias is false", () => {
    const layer = new Dense({ units: HIDDEN, useBias: false });
    layer.build([INPUTS], { backend: BACKEND_CASES[0]!.backend(), rng: new Rng(1) });
    assert.equal(layer.bias, null);
    assert.equal(layer.weights.length, 1);
  });

  it("rejects zero units", () => {
    assert.throws(() => new Dense({ units: 0 }), (err: unknown) => err instanceof ConfigError && err.field === "units");
  });

  it("rejects softmax backward without the loss", () => {
    const layer = new Dense({ units: CLASSES, activation: "softmax" });
    layer.build([INPUTS], { backend: BACKEND_CASES[0]!.backend(), rng: new Rng(1) });
    layer.forward(f32(fx.x), N, true);
    assert.throws(() => layer.backward(new Float32Array(N * CLASSES), N, true), /softmax backward/);
  });
});

for (const backendCase of BACKEND_CASES) {
  describe(`fused SGD update on ${backendCase.name}`, { skip: backendCase.skip }, () => {
    it("matches the unfused step", () => {
      const [fused, plain] = [true, false].map((fuse) => {
        const model = fixtureModel(backendCase.backend(), 0.1);
        model.fuseUpdates = fuse;
        model.trainOnBatch(f32(fx.x), labels, N, emptyStats());
        return { weights: model.getWeights(), iterations: model.optimizer!.iterations };
      });
      assert.equal(fused!.iterations, 1);
      fused!.weights.forEach((w, i) =>
        assertClose(w, plain!.weights[i]!, TOL, `weight ${i} after one fused step`),
      );
    });
  });
}
