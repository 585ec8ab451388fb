/**
 * Five steps of each Keras 3 optimizer on a fixed gradient sequence
 * (optimizers.json), on both backends, against the Keras 3 update formulas in
 * float64, and against torch.optim where the two updates are the same.
 * The gradients are fed straight into a Parameters object, so no loss is
 * involved.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import type { Backend } from "../../src/engine/backend.js";
import { ConfigError } from "../../src/errors.js";
import { Adagrad } from "../../src/optim/adagrad.js";
import { Adam } from "../../src/optim/adam.js";
import { createOptimizer } from "../../src/optim/index.js";
import { Nadam } from "../../src/optim/nadam.js";
import type { Optimizer, Parameters } from "../../src/optim/optimizer.js";
import { RMSprop } from "../../src/optim/rmsprop.js";
import { SGD } from "../../src/optim/sgd.js";
import {
  BACKEND_CASES,
  FLOAT32_VS_FLOAT64,
  assertClose,
  flat,
  loadFixture,
  maxAbsDifference,
  type OptimizerEntry,
} from "../helpers/fixtures.js";

const fx = loadFixture("optimizers");
const STEPS = fx.gradients.length;
const SIZE = fx.w0.length;

/**
 * The Keras 3 optimizers in the fixture. `nadam_schedule_decay_0.004` is left
 * out: it records the Keras 2 momentum schedule, which Keras 3 dropped.
 */
const KERAS3_IDS = ["sgd", "sgd_momentum", "sgd_nesterov", "adam", "nadam", "rmsprop", "adagrad"];
const entries = KERAS3_IDS.map((id) => {
  const entry = fx.optimizers.find((o) => o.id === id);
  if (!entry) throw new Error(`optimizers.json has no entry ${id}`);
  return entry;
});

/** Builds the optimizer an entry describes, from its Keras hyperparameters. */
function optimizerFor(entry: OptimizerEntry): Optimizer {
  const p = entry.params as Record<string, number>;
  switch (entry.name) {
    case "SGD":
      return new SGD({
        learningRate: p.learning_rate,
        momentum: p.momentum,
        nesterov: entry.params.nesterov as boolean,
      });
    case "Adam":
      return new Adam({ learningRate: p.learning_rate, beta1: p.beta_1, beta2: p.beta_2, epsilon: p.epsilon });
    case "Nadam":
      return new Nadam({ learningRate: p.learning_rate, beta1: p.beta_1, beta2: p.beta_2, epsilon: p.epsilon });
    case "RMSprop":
      return new RMSprop({ learningRate: p.learning_rate, rho: p.rho, epsilon: p.epsilon });
    case "Adagrad":
      return new Adagrad({
        learningRate: p.learning_rate,
        initialAccumulatorValue: p.initial_accumulator_value,
        epsilon: p.epsilon,
      });
    default:
      throw new Error(`no optimizer for ${entry.name}`);
  }
}

/** Returns the flat parameter buffers of one variable that starts at w0. */
function fixtureParameters(): Parameters {
  const grads = new Float32Array(SIZE);
  return { values: Float32Array.from(fx.w0), grads, gradViews: [grads] };
}

/** Applies the fixture's gradients and returns the parameter after each step. */
function trajectory(backend: Backend, optimizer: Optimizer): Float32Array[] {
  const params = fixtureParameters();
  optimizer.build(SIZE);
  const result: Float32Array[] = [];
  for (const gradient of fx.gradients) {
    params.grads.set(gradient);
    optimizer.step(backend, params);
    result.push(params.values.slice());
  }
  return result;
}

describe("optimizers fixture", () => {
  it("RMSprop entry has no momentum", () => {
    const rmsprop = entries.find((e) => e.id === "rmsprop")!;
    assert.equal(rmsprop.params.momentum, 0);
    assert.equal(rmsprop.params.centered, false);
  });

  it("defaults match Keras 3", () => {
    const sgd = new SGD();
    assert.equal(sgd.learningRate, 0.01);
    assert.equal(sgd.momentum, 0);
    assert.equal(sgd.nesterov, false);
    for (const optimizer of [new Adam(), new Nadam()]) {
      assert.equal(optimizer.learningRate, 0.001, `${optimizer.id} learningRate`);
      assert.equal(optimizer.beta1, 0.9, `${optimizer.id} beta1`);
      assert.equal(optimizer.beta2, 0.999, `${optimizer.id} beta2`);
      assert.equal(optimizer.epsilon, 1e-7, `${optimizer.id} epsilon`);
    }
    const rmsprop = new RMSprop();
    assert.equal(rmsprop.learningRate, 0.001);
    assert.equal(rmsprop.rho, 0.9);
    assert.equal(rmsprop.epsilon, 1e-7);
    const adagrad = new Adagrad();
    assert.equal(adagrad.learningRate, 0.001);
    assert.equal(adagrad.initialAccumulatorValue, 0.1);
    assert.equal(adagrad.epsilon, 1e-7);
  });

  it("fixture uses the Keras defaults", () => {
    // Apart from SGD's momentum variants, every entry runs default settings.
    for (const entry of entries.filter((e) => e.name !== "SGD")) {
      const configured = optimizerFor(entry).getConfig();
      const defaults = createOptimizer({ id: entry.name.toLowerCase() as "adam" }).getConfig();
      assert.deepEqual(configured, defaults, `${entry.id} params`);
    }
  });
});

for (const backendCase of BACKEND_CASES) {
  describe(`optimizers on ${backendCase.name}`, { skip: backendCase.skip }, () => {
    for (const entry of entries) {
      it(`${entry.id} follows Keras`, () => {
        const steps = trajectory(backendCase.backend(), optimizerFor(entry));
        steps.forEach((w, t) => {
          assertClose(w, entry.keras[t]!, FLOAT32_VS_FLOAT64, `${entry.id} step ${t + 1}`);
        });
      });

      if (entry.torch.should_equal_keras) {
        it(`${entry.id} follows torch`, () => {
          const steps = trajectory(backendCase.backend(), optimizerFor(entry));
          steps.forEach((w, t) => {
            assertClose(w, entry.torch.trajectory[t]!, FLOAT32_VS_FLOAT64, `${entry.id} torch step ${t + 1}`);
          });
        });
      } else if (entry.torch.max_abs_diff_from_keras > 1e-5) {
        // Where torch's update differs by more than float32 rounding, the
        // result must land on the Keras side.
        it(`${entry.id} is Keras, not torch`, () => {
          const steps = flat(trajectory(backendCase.backend(), optimizerFor(entry)).map((w) => Array.from(w)));
          const fromKeras = maxAbsDifference(steps, flat(entry.keras));
          const fromTorch = maxAbsDifference(steps, flat(entry.torch.trajectory));
          assert.ok(
            fromKeras < fromTorch / 4,
            `${entry.id}: max diff ${fromKeras} from Keras, ${fromTorch} from torch`,
          );
        });
      }
    }

    it("iterations count steps", () => {
      const optimizer = new Adam();
      trajectory(backendCase.backend(), optimizer);
      assert.equal(optimizer.iterations, STEPS);
    });

    it("grad norm tracked on request", () => {
      const optimizer = new SGD();
      optimizer.trackGradNorm = true;
      trajectory(backendCase.backend(), optimizer);
      const last = fx.gradients[STEPS - 1]!;
      const expected = Math.sqrt(last.reduce((sum, g) => sum + g * g, 0));
      assertClose([optimizer.lastGradNorm], [expected], FLOAT32_VS_FLOAT64, "lastGradNorm");
    });

    it("grad norm untracked by default", () => {
      const optimizer = new SGD();
      trajectory(backendCase.backend(), optimizer);
      assert.ok(Number.isNaN(optimizer.lastGradNorm), `lastGradNorm ${optimizer.lastGradNorm}`);
    });
  });
}

describe("optimizer options", () => {
  const cases: Array<{ name: string; create: () => unknown; field: string }> = [
    { name: "sgd momentum 1", create: () => new SGD({ momentum: 1 }), field: "momentum" },
    { name: "adam beta1 1", create: () => new Adam({ beta1: 1 }), field: "beta1" },
    { name: "nadam beta2 -0.1", create: () => new Nadam({ beta2: -0.1 }), field: "beta2" },
    { name: "rmsprop rho 1", create: () => new RMSprop({ rho: 1 }), field: "rho" },
    { name: "adam epsilon 0", create: () => new Adam({ epsilon: 0 }), field: "epsilon" },
    {
      name: "adagrad negative accumulator",
      create: () => new Adagrad({ initialAccumulatorValue: -1 }),
      field: "initialAccumulatorValue",
    },
    { name: "learning rate 0", create: () => createOptimizer({ id: "adam", learningRate: 0 }), field: "learningRate" },
    { name: "learning rate NaN", create: () => createOptimizer({ id: "sgd", learningRate: NaN }), field: "learningRate" },
    { name: "unknown id", create: () => createOptimizer({ id: "lamb" } as never), field: "optimizer" },
  ];
  for (const c of cases) {
    it(`rejects ${c.name}`, () => {
      assert.throws(c.create, (err: unknown) => err instanceof ConfigError && err.field === c.field);
    });
  }
});
