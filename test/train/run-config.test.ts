/**
 * validateRunConfig: the defaults of a run description, and a ConfigError
 * naming the field for each invalid value.
 */
import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { describe, it } from "node:test";

import { ConfigError } from "../../src/errors.js";
import { RUN_DEFAULTS, validateRunConfig } from "../../src/train/run-config.js";

/** The documented defaults, written out independently of RUN_DEFAULTS. */
const DEFAULTS = {
  dataset: "fashion-mnist",
  hidden: [300, 100, 50, 50, 50],
  activation: "relu",
  init: "glorot_uniform",
  batchNorm: "none",
  optimizer: "sgd",
  epochs: 20,
  batchSize: 32,
  validationSplit: 0.1,
  standardize: false,
  seed: 42,
  backend: "auto",
};

describe("default thread count", () => {
  it("uses 2 threads for the Fashion-MNIST net", () => {
    const expected = Math.min(2, availableParallelism());
    assert.equal(validateRunConfig({}).threads, expected);
  });

  it("uses 1 thread for the housing net", () => {
    assert.equal(validateRunConfig({ dataset: "california-housing" }).threads, 1);
  });

  it("uses 1 thread for a narrow first layer", () => {
    assert.equal(validateRunConfig({ hidden: [30] }).threads, 1);
  });

  it("uses 1 thread for momentum at batch 32", () => {
    assert.equal(validateRunConfig({ momentum: 0.9 }).threads, 1);
  });

  it("uses 1 thread when clipping at batch 32", () => {
    assert.equal(validateRunConfig({ globalClipnorm: 1 }).threads, 1);
  });

  it("uses 2 threads for adam at batch 256", () => {
    const expected = Math.min(2, availableParallelism());
    assert.equal(validateRunConfig({ optimizer: "adam", batchSize: 256 }).threads, expected);
  });

  it("keeps an explicit thread count", () => {
    assert.equal(validateRunConfig({ threads: 1 }).threads, 1);
  });
});

describe("run config defaults", () => {
  const config = validateRunConfig({});
  for (const [key, value] of Object.entries(DEFAULTS)) {
    it(`${key} defaults to ${JSON.stringify(value)}`, () => {
      assert.deepEqual(config[key as keyof typeof config], value);
    });
  }

  it("RUN_DEFAULTS matches the table", () => {
    const { dataset: _dataset, ...rest } = DEFAULTS;
    assert.deepEqual({ ...RUN_DEFAULTS, hidden: [...RUN_DEFAULTS.hidden] }, rest);
  });

  it("leaves optimizer options unset", () => {
    for (const key of ["learningRate", "momentum", "epsilon", "clipnorm", "lrDecay", "loss"] as const) {
      assert.equal(config[key], undefined, key);
    }
  });

  it("keeps given values", () => {
    const custom = validateRunConfig({ hidden: [16], optimizer: "adam", learningRate: 0.003, epochs: 2 });
    assert.deepEqual(custom.hidden, [16]);
    assert.equal(custom.optimizer, "adam");
    assert.equal(custom.learningRate, 0.003);
    assert.equal(custom.epochs, 2);
  });

  it("accepts the documented parameter forms", () => {
    assert.doesNotThrow(() =>
      validateRunConfig({
        activation: "leaky_relu:0.2",
        init: "variance_scaling:2:fan_avg:uniform",
        lrDecay: { decaySteps: 100, decayRate: 0.5, staircase: true },
        reduceLrOnPlateau: { factor: 0.5, patience: 2, minLr: 1e-5 },
        target: { metric: "val_accuracy", value: 0.85 },
        globalClipnorm: 1,
      }),
    );
  });
});

interface BadCase {
  input: Record<string, unknown>;
  field: string;
  /** Set when the check fails because of a known bug, with what is wrong. */
  todo?: string;
}

const BAD_VALUES: BadCase[] = [
  { input: { dataset: "mnist" }, field: "dataset" },
  { input: { dataDir: "" }, field: "dataDir" },
  { input: { hidden: "300" }, field: "hidden" },
  { input: { hidden: [300, 0] }, field: "hidden[1]" },
  { input: { hidden: [1.5] }, field: "hidden[0]" },
  { input: { activation: "foo" }, field: "activation" },
  { input: { activation: "softmax" }, field: "activation" },
  { input: { activation: "leaky_relu:-1" }, field: "activation.alpha" },
  { input: { activation: "rrelu:0.5:0.1" }, field: "activation.lower" },
  { input: { init: "foo" }, field: "init" },
  { input: { batchNorm: "middle" }, field: "batchNorm" },
  { input: { optimizer: "lamb" }, field: "optimizer" },
  { input: { learningRate: 0 }, field: "learningRate" },
  { input: { learningRate: -1 }, field: "learningRate" },
  { input: { learningRate: "0.1" }, field: "learningRate" },
  { input: { learningRate: Infinity }, field: "learningRate" },
  { input: { momentum: 1 }, field: "momentum" },
  { input: { nesterov: "yes" }, field: "nesterov" },
  { input: { beta1: -0.1 }, field: "beta1" },
  { input: { beta2: 1 }, field: "beta2" },
  { input: { rho: 1.5 }, field: "rho" },
  { input: { epsilon: 0 }, field: "epsilon" },
  { input: { clipvalue: 0 }, field: "clipvalue" },
  { input: { clipnorm: -1 }, field: "clipnorm" },
  { input: { globalClipnorm: 0 }, field: "globalClipnorm" },
  { input: { clipvalue: 1, clipnorm: 1 }, field: "clipping" },
  { input: { loss: "hinge" }, field: "loss" },
  { input: { epochs: 0 }, field: "epochs" },
  { input: { epochs: 2.5 }, field: "epochs" },
  { input: { batchSize: 0 }, field: "batchSize" },
  { input: { validationSplit: 0 }, field: "validationSplit" },
  { input: { validationSplit: 1 }, field: "validationSplit" },
  { input: { standardize: "true" }, field: "standardize" },
  { input: { seed: -1 }, field: "seed" },
  { input: { maxTrainSamples: 0 }, field: "maxTrainSamples" },
  { input: { splitSeed: 0.5 }, field: "splitSeed" },
  { input: { evaluateTest: 1 }, field: "evaluateTest" },
  { input: { lrDecay: 5 }, field: "lrDecay" },
  { input: { lrDecay: { decaySteps: 0, decayRate: 0.5 } }, field: "lrDecay.decaySteps" },
  { input: { lrDecay: { decaySteps: 10, decayRate: 0 } }, field: "lrDecay.decayRate" },
  { input: { lrDecay: { decaySteps: 10, decayRate: 0.5, rate: 1 } }, field: "lrDecay.rate" },
  { input: { reduceLrOnPlateau: { factor: 1 } }, field: "reduceLrOnPlateau.factor" },
  { input: { reduceLrOnPlateau: { patience: -1 } }, field: "reduceLrOnPlateau.patience" },
  { input: { reduceLrOnPlateau: { minLr: -1 } }, field: "reduceLrOnPlateau.minLr" },
  { input: { target: { metric: "accuracy", value: 0.8 } }, field: "target.metric" },
  { input: { target: { metric: "val_loss", value: "low" } }, field: "target.value" },
  { input: { backend: "gpu" }, field: "backend" },
  { input: { threads: 0 }, field: "threads" },
  { input: { learning_rate: 0.1 }, field: "learning_rate" },
];

describe("run config errors", () => {
  for (const { input, field, todo } of BAD_VALUES) {
    it(`rejects ${JSON.stringify(input)}`, todo ? { todo } : {}, () => {
      let error: unknown;
      try {
        validateRunConfig(input);
      } catch (err) {
        error = err;
      }
      assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
      assert.equal(error.field, field);
      assert.ok(error.message.includes(field), `message does not name ${field}: ${error.message}`);
    });
  }

  it("rejects a non-object", () => {
    assert.throws(() => validateRunConfig(null), (err: unknown) => err instanceof ConfigError && err.field === "run");
  });

  it("prefixes fields", () => {
    assert.throws(
      () => validateRunConfig({ epochs: 0 }, "variants[2]"),
      (err: unknown) => err instanceof ConfigError && err.field === "variants[2].epochs",
    );
  });

  it(
    "prefixes clipping fields",
    {},
    () => {
      assert.throws(
        () => validateRunConfig({ clipnorm: 0 }, "variants[2]"),
        (err: unknown) => err instanceof ConfigError && err.field === "variants[2].clipnorm",
      );
    },
  );
});

describe("unknown key suggestions", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ max_train_samples: 5 }, /unknown key max_train_samples \(did you mean maxTrainSamples\?\)/],
    [{ hiden: [3] }, /unknown key hiden \(did you mean hidden\?\)/],
    [{ zzzzzz: 1 }, /unknown key zzzzzz; known keys/],
  ];
  for (const [input, pattern] of cases) {
    it(`names ${Object.keys(input)[0]}`, () => {
      assert.throws(() => validateRunConfig(input), pattern);
    });
  }
});
