import { test } from "node:test";
import assert from "node:assert/strict";
import { ReduceLrOnPlateau } from "../../src/train/lr-callbacks.js";
import type { EpochLogs } from "../../src/train/callbacks.js";
import type { Sequential } from "../../src/nn/sequential.js";
import { SGD } from "../../src/optim/sgd.js";

/** Feeds val_loss values to the callback and returns the rate after each epoch. */
function ratesFor(valLosses: number[], options: ConstructorParameters<typeof ReduceLrOnPlateau>[0]): number[] {
  const optimizer = new SGD({ learningRate: 1 });
  const model = { optimizer } as unknown as Sequential;
  const callback = new ReduceLrOnPlateau(options);
  callback.onTrainBegin(model);
  return valLosses.map((valLoss, i) => {
    callback.onEpochEnd(i + 1, { loss: 0, seconds: 0, stepMs: 0, learningRate: 0, val_loss: valLoss } as EpochLogs);
    return optimizer.learningRate;
  });
}

test("plateau reduces after patience epochs", () => {
  const rates = ratesFor([1, 0.9, 0.9, 0.9, 0.9], { factor: 0.5, patience: 2 });
  assert.deepEqual(rates, [1, 1, 1, 0.5, 0.5]);
});

test("plateau waits again after reducing", () => {
  const rates = ratesFor([1, 1, 1, 1, 1], { factor: 0.5, patience: 2 });
  assert.deepEqual(rates, [1, 1, 0.5, 0.5, 0.25]);
});

test("plateau ignores gains below minDelta", () => {
  const rates = ratesFor([1, 0.99995, 0.9999], { factor: 0.1, patience: 2 });
  assert.equal(rates[2], 0.1);
});

test("plateau respects minLr", () => {
  const rates = ratesFor([1, 1, 1, 1], { factor: 0.1, patience: 1, minLr: 0.05 });
  assert.equal(rates[3], 0.05);
});

test("plateau uses Keras defaults", () => {
  const rates = ratesFor(Array(11).fill(1), {});
  assert.equal(rates[9], 1);
  assert.ok(Math.abs(rates[10]! - 0.1) < 1e-12, `rate ${rates[10]}`);
});
