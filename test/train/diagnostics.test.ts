import { test } from "node:test";
import assert from "node:assert/strict";
import { createBackend } from "../../src/engine/index.js";
import { Rng } from "../../src/engine/rng.js";
import { Dense } from "../../src/nn/dense.js";
import { Sequential } from "../../src/nn/sequential.js";
import { SGD } from "../../src/optim/sgd.js";
import { Diagnostics, gradientFlowWarning } from "../../src/train/diagnostics.js";
import { fit } from "../../src/train/fit.js";

/** Two Gaussian blobs in 20 dimensions, labelled 0 and 1. */
function blobs(count: number, seed: number): { x: Float32Array; y: Int32Array } {
  const rng = new Rng(seed);
  const x = new Float32Array(count * 20);
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    y[i] = i % 2;
    for (let j = 0; j < 20; j++) x[i * 20 + j] = rng.normal() + (y[i] ? 1 : -1);
  }
  return { x, y };
}

function train(layers: Dense[], seed = 1): Diagnostics {
  const model = new Sequential({
    layers,
    inputShape: [20],
    backend: createBackend({ backend: "reference" }),
    seed,
  });
  model.compile({ optimizer: new SGD({ learningRate: 0.01 }), loss: "sparse_categorical_crossentropy" });
  const data = blobs(256, seed);
  const diagnostics = new Diagnostics({ probe: data.x.subarray(0, 64 * 20), sampleEvery: 1 });
  fit(model, data.x, data.y, { epochs: 1, batchSize: 32, callbacks: [diagnostics] });
  return diagnostics;
}

test("diagnostics flags vanishing sigmoid gradients", () => {
  const hidden = Array.from({ length: 5 }, () =>
    new Dense({ units: 16, activation: "sigmoid", kernelInitializer: "random_normal:0:0.01" }),
  );
  const diagnostics = train([...hidden, new Dense({ units: 2, activation: "softmax" })]);
  const layers = diagnostics.epochs[0]!;
  assert.equal(layers.length, 6);
  assert.ok(layers[0]!.gradNorm! < layers[4]!.gradNorm! * 1e-3, "first layer gradient is not tiny");
  assert.match(gradientFlowWarning(layers) ?? "", /vanish/);
});

test("diagnostics counts dead relu units", () => {
  const dead = new Dense({ units: 8, activation: "relu", biasInitializer: "constant:-100" });
  const diagnostics = train([dead, new Dense({ units: 2, activation: "softmax" })]);
  const layers = diagnostics.epochs[0]!;
  assert.equal(layers[0]!.deadFraction, 1);
  assert.equal(layers[1]!.deadFraction, undefined);
});

test("diagnostics stays quiet on healthy relu", () => {
  const hidden = [new Dense({ units: 16, activation: "relu", kernelInitializer: "he_normal" })];
  const diagnostics = train([...hidden, new Dense({ units: 16, activation: "relu" }), new Dense({ units: 2, activation: "softmax" })]);
  const layers = diagnostics.epochs[0]!;
  assert.equal(gradientFlowWarning(layers), null);
  assert.ok(layers[0]!.deadFraction! < 0.5, `dead fraction ${layers[0]!.deadFraction}`);
});
