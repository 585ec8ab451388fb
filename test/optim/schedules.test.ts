/**
 * Keras's ExponentialDecay against optimizers.json (initial 0.01, 10 decay
 * steps, rate 0.5, steps 0 to 30), with and without staircase, and the fit
 * callback that applies it before every optimizer step.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { createBackend } from "../../src/engine/index.js";
import { Rng } from "../../src/engine/rng.js";
import { Dense } from "../../src/nn/dense.js";
import { Sequential } from "../../src/nn/sequential.js";
import { exponentialDecay } from "../../src/optim/schedules.js";
import { SGD } from "../../src/optim/sgd.js";
import type { Callback } from "../../src/train/callbacks.js";
import { fit } from "../../src/train/fit.js";
import { ExponentialDecaySchedule } from "../../src/train/lr-callbacks.js";
import { assertClose, loadFixture } from "../helpers/fixtures.js";

const fx = loadFixture("optimizers").exponential_decay;
/** Both sides compute in float64, so only a few roundings of pow separate them. */
const FLOAT64 = { rtol: 1e-12, atol: 0 };

function schedule(staircase: boolean): number[] {
  return fx.steps.map((step) =>
    exponentialDecay(
      {
        initialLearningRate: fx.initial_learning_rate,
        decaySteps: fx.decay_steps,
        decayRate: fx.decay_rate,
        staircase,
      },
      step,
    ),
  );
}

describe("exponentialDecay", () => {
  it("continuous decay matches Keras", () => {
    assertClose(schedule(false), fx.staircase_false, FLOAT64, "staircase false");
  });

  it("staircase decay matches Keras", () => {
    assertClose(schedule(true), fx.staircase_true, FLOAT64, "staircase true");
  });

  it("staircase defaults to false", () => {
    const config = { initialLearningRate: 0.01, decaySteps: 10, decayRate: 0.5 };
    assert.equal(exponentialDecay(config, 15), exponentialDecay({ ...config, staircase: false }, 15));
  });

  it("staircase is flat within a period", () => {
    const lr = schedule(true);
    assert.equal(lr[9], fx.initial_learning_rate);
    assert.equal(lr[10], fx.initial_learning_rate * fx.decay_rate);
  });
});

describe("ExponentialDecaySchedule callback", () => {
  it("sets the rate before each step", () => {
    // 10 rows in batches of 1 give 10 steps per epoch, so 3 epochs cover steps 0 to 29.
    const rows = 10;
    const rng = new Rng(3);
    const x = Float32Array.from({ length: rows * 2 }, () => rng.uniform() - 0.5);
    const y = Float32Array.from({ length: rows }, () => rng.uniform());
    const model = new Sequential({
      layers: [new Dense({ units: 1 })],
      inputShape: [2],
      backend: createBackend({ backend: "reference" }),
      seed: 1,
    });
    const optimizer = new SGD({ learningRate: fx.initial_learning_rate });
    model.compile({ optimizer, loss: "mse" });
    // A fused SGD step bypasses optimizer.step, which this test observes.
    model.fuseUpdates = false;

    // The learning rate in force at each step, read before the step runs.
    const used: number[] = [];
    const original = optimizer.step.bind(optimizer);
    optimizer.step = (backend, params) => {
      used.push(optimizer.learningRate);
      original(backend, params);
    };
    const decay: Callback = new ExponentialDecaySchedule({ decaySteps: fx.decay_steps, decayRate: fx.decay_rate });
    fit(model, x, y, { epochs: 3, batchSize: 1, callbacks: [decay] });

    assert.equal(used.length, 30);
    assertClose(used, fx.staircase_false.slice(0, 30), FLOAT64, "learning rate per step");
  });
});
