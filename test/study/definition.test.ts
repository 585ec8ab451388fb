/**
 * Tests of study definitions: validation errors name the path of the bad
 * field, grids expand, files load as YAML or JSON, run plans merge the
 * layers and offset seeds, and the built-in studies validate.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";

import { ConfigError, DataError } from "../../src/errors.js";
import { BUILTIN_STUDY_NAMES, builtinStudy } from "../../src/study/builtin.js";
import {
  loadStudyFile,
  planStudyRuns,
  studyDefinitionJson,
  validateStudyDefinition,
} from "../../src/study/definition.js";

function base(): Record<string, unknown> {
  return {
    name: "tiny",
    datasets: ["fashion-mnist", "california-housing"],
    defaults: { hidden: [32], epochs: 1 },
    variants: [{ name: "default" }, { name: "he", init: "he_normal" }],
  };
}

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.field;
  }
  assert.fail("expected a ConfigError");
}

describe("validateStudyDefinition errors", () => {
  const cases: Array<[string, (d: Record<string, unknown>) => void, string]> = [
    ["bad variant activation", (d) => ((d.variants as unknown[])[1] = { name: "he", activation: "bogus" }), "variants[1].activation"],
    ["unknown variant key", (d) => ((d.variants as unknown[])[0] = { name: "default", lr: 0.1 }), "variants[0].lr"],
    ["unknown top-level key", (d) => (d.epochs = 3), "epochs"],
    ["bad default", (d) => (d.defaults = { batchSize: 0 }), "defaults.batchSize"],
    ["dataset in defaults", (d) => (d.defaults = { dataset: "fashion-mnist" }), "defaults.dataset"],
    ["unknown data set", (d) => (d.datasets = ["mnist"]), "datasets[0]"],
    ["duplicate data set", (d) => (d.datasets = ["fashion-mnist", "fashion-mnist"]), "datasets[1]"],
    ["bad dataset default", (d) => (d.datasetDefaults = { "california-housing": { maxTrainSamples: -1 } }), "datasetDefaults.california-housing.maxTrainSamples"],
    ["unknown dataset default key", (d) => (d.datasetDefaults = { cifar: {} }), "datasetDefaults.cifar"],
    ["duplicate variant name", (d) => ((d.variants as unknown[])[1] = { name: "default" }), "variants[1].name"],
    ["variant name with slash", (d) => ((d.variants as unknown[])[1] = { name: "a/b" }), "variants[1].name"],
    ["missing variants", (d) => delete d.variants, "variants"],
    ["variants and grid", (d) => (d.grid = { init: ["he_normal"] }), "grid"],
    ["bad repeats", (d) => (d.repeats = 0), "repeats"],
    ["bad target metric", (d) => (d.targets = { "fashion-mnist": { metric: "accuracy", value: 0.8 } }), "targets.fashion-mnist.metric"],
    ["bad baseline", (d) => (d.baseline = "nope"), "baseline"],
    ["conflicting clip options", (d) => ((d.variants as unknown[])[1] = { name: "he", clipnorm: 1, globalClipnorm: 1 }), "variants[1]"],
  ];
  for (const [label, mutate, field] of cases) {
    it(`${label} names ${field}`, () => {
      const definition = base();
      mutate(definition);
      const actual = fieldOf(() => validateStudyDefinition(definition));
      assert.ok(actual === field || actual.startsWith(`${field}.`), `field ${actual}, expected ${field}`);
    });
  }

  it("grid value error names grid key and index", () => {
    const definition = base();
    delete definition.variants;
    definition.grid = { activation: ["relu", "nope"] };
    assert.equal(fieldOf(() => validateStudyDefinition(definition)), "grid.activation[1]");
  });

  it("message is one line with the path", () => {
    const definition = base();
    (definition.variants as unknown[])[1] = { name: "he", activation: "bogus" };
    assert.throws(() => validateStudyDefinition(definition), (err: Error) => {
      assert.match(err.message, /^invalid variants\[1\]\.activation: "bogus"/);
      assert.ok(!err.message.includes("\n"));
      return true;
    });
  });
});

describe("validateStudyDefinition", () => {
  it("fills repeats, baseline and targets", () => {
    const definition = validateStudyDefinition(base());
    assert.equal(definition.repeats, 1);
    assert.equal(definition.baseline, "default");
    assert.deepEqual(definition.targets, {});
    assert.deepEqual(definition.variants.map((v) => v.name), ["default", "he"]);
    assert.deepEqual(definition.variants[1]!.overrides, { init: "he_normal" });
  });

  it("expands a grid into named variants", () => {
    const raw = base();
    delete raw.variants;
    raw.grid = { activation: ["relu", "elu"], init: ["he_normal", "glorot_uniform"] };
    const definition = validateStudyDefinition(raw);
    assert.deepEqual(definition.variants.map((v) => v.name), [
      "activation=relu+init=he_normal",
      "activation=relu+init=glorot_uniform",
      "activation=elu+init=he_normal",
      "activation=elu+init=glorot_uniform",
    ]);
    assert.deepEqual(definition.variants[2]!.overrides, { activation: "elu", init: "he_normal" });
    assert.equal(definition.baseline, "activation=relu+init=he_normal");
  });

  it("round-trips through its JSON form", () => {
    const definition = validateStudyDefinition({ ...base(), repeats: 2, targets: { "fashion-mnist": { metric: "val_accuracy", value: 0.8 } } });
    assert.deepEqual(validateStudyDefinition(studyDefinitionJson(definition)), definition);
  });
});

describe("planStudyRuns", () => {
  const definition = validateStudyDefinition({
    ...base(),
    defaults: { hidden: [32], epochs: 1, seed: 7, learningRate: 0.001 },
    datasetDefaults: { "california-housing": { maxTrainSamples: 300, epochs: 2 } },
    repeats: 2,
    targets: { "california-housing": { metric: "val_mse", value: 0.4 } },
  });

  it("orders by data set, repeat, variant", () => {
    const keys = planStudyRuns(definition).map((r) => r.key);
    assert.deepEqual(keys, [
      "fashion-mnist/default/0", "fashion-mnist/he/0", "fashion-mnist/default/1", "fashion-mnist/he/1",
      "california-housing/default/0", "california-housing/he/0", "california-housing/default/1", "california-housing/he/1",
    ]);
  });

  it("merges layers and offsets seeds", () => {
    const runs = planStudyRuns(definition);
    const housing = runs.find((r) => r.key === "california-housing/he/1")!;
    assert.equal(housing.config.dataset, "california-housing");
    assert.equal(housing.config.maxTrainSamples, 300);
    assert.equal(housing.config.epochs, 2);
    assert.equal(housing.config.init, "he_normal");
    assert.equal(housing.config.learningRate, 0.001);
    assert.equal(housing.seed, 8);
    assert.equal(housing.config.seed, 8);
    assert.deepEqual(housing.config.target, { metric: "val_mse", value: 0.4 });
    const fashion = runs.find((r) => r.key === "fashion-mnist/default/0")!;
    assert.equal(fashion.config.epochs, 1);
    assert.equal(fashion.config.maxTrainSamples, undefined);
    assert.equal(fashion.config.target, undefined);
    assert.equal(fashion.seed, 7);
  });

  it("applies filters and overrides", () => {
    const runs = planStudyRuns(definition, { repeats: 1, datasets: ["california-housing"], variants: ["he"], threads: 2 });
    assert.deepEqual(runs.map((r) => r.key), ["california-housing/he/0"]);
    assert.equal(runs[0]!.config.threads, 2);
  });
});

describe("loadStudyFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "trainlab-definition-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("reads YAML", () => {
    const path = join(dir, "study.yaml");
    writeFileSync(path, "name: tiny\ndatasets: [california-housing]\nvariants:\n  - name: default\n  - name: elu\n    activation: elu\n");
    const definition = loadStudyFile(path);
    assert.deepEqual(definition.variants.map((v) => v.name), ["default", "elu"]);
  });

  it("reads JSON", () => {
    const path = join(dir, "study.json");
    writeFileSync(path, JSON.stringify(base()));
    assert.equal(loadStudyFile(path).name, "tiny");
  });

  it("invalid YAML is a DataError", () => {
    const path = join(dir, "broken.yaml");
    writeFileSync(path, "name: [unclosed\n");
    assert.throws(() => loadStudyFile(path), DataError);
  });

  it("missing file is a DataError", () => {
    assert.throws(() => loadStudyFile(join(dir, "absent.yaml")), DataError);
  });
});

describe("builtin studies", () => {
  it("lists reference and quick", () => {
    assert.deepEqual([...BUILTIN_STUDY_NAMES].sort(), ["quick", "reference"]);
    assert.equal(builtinStudy("toString"), undefined);
  });

  it("reference matches the classic comparison", () => {
    const reference = builtinStudy("reference")!;
    const runs = planStudyRuns(reference);
    assert.equal(reference.variants.length, 14);
    assert.equal(runs.length, 28);
    for (const run of runs) {
      assert.equal(run.config.optimizer, "sgd");
      assert.equal(run.config.learningRate, 1e-3);
      assert.equal(run.config.batchSize, 32);
      assert.equal(run.config.epochs, 20);
      assert.equal(run.config.evaluateTest, true);
      assert.deepEqual(run.config.hidden, [300, 100, 50, 50, 50]);
    }
    const byKey = new Map(runs.map((r) => [r.key, r.config]));
    assert.equal(byKey.get("fashion-mnist/default/0")!.standardize, false);
    assert.equal(byKey.get("fashion-mnist/selu/0")!.standardize, true);
    assert.equal(byKey.get("fashion-mnist/selu/0")!.init, "lecun_normal");
    assert.equal(byKey.get("fashion-mnist/variance_scaling/0")!.init, "variance_scaling:2:fan_avg:uniform");
    assert.equal(byKey.get("fashion-mnist/leaky_relu/0")!.activation, "leaky_relu:0.01");
    assert.equal(byKey.get("fashion-mnist/global_clipnorm/0")!.globalClipnorm, 1);
    assert.deepEqual(byKey.get("fashion-mnist/default/0")!.target, { metric: "val_accuracy", value: 0.85 });
    assert.deepEqual(byKey.get("california-housing/default/0")!.target, { metric: "val_mse", value: 0.4 });
  });

  it("quick shortens reference", () => {
    const runs = planStudyRuns(builtinStudy("quick")!);
    assert.equal(runs.length, 28);
    for (const run of runs) {
      assert.equal(run.config.epochs, 2);
      assert.equal(run.config.maxTrainSamples, run.dataset === "fashion-mnist" ? 5000 : 3000);
    }
  });
});
