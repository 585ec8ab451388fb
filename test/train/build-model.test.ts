import { test } from "node:test";
import assert from "node:assert/strict";
import { createBackend } from "../../src/engine/index.js";
import { Rng } from "../../src/engine/rng.js";
import { BatchNormalization } from "../../src/nn/batch-normalization.js";
import { Dense } from "../../src/nn/dense.js";
import { ActivationLayer } from "../../src/nn/activation-layer.js";
import { buildModel, seluWarnings } from "../../src/train/build-model.js";
import { validateRunConfig } from "../../src/train/run-config.js";

const backend = createBackend({ backend: "reference" });

test("batch norm before drops the dense bias", () => {
  const config = validateRunConfig({ hidden: [8, 4], batchNorm: "before" });
  const model = buildModel(config, 5, 3, backend, new Rng(1));
  const names = model.layers.map((l) => l.className);
  assert.deepEqual(names, ["Dense", "BatchNormalization", "Activation", "Dense", "BatchNormalization", "Activation", "Dense"]);
  assert.equal((model.layers[0] as Dense).useBias, false);
  assert.ok(model.layers[2] instanceof ActivationLayer);
});

test("batch norm after follows each activation", () => {
  const config = validateRunConfig({ hidden: [8], batchNorm: "after" });
  const model = buildModel(config, 5, 3, backend, new Rng(1));
  assert.ok(model.layers[0] instanceof Dense);
  assert.equal((model.layers[0] as Dense).activation.id, "relu");
  assert.ok(model.layers[1] instanceof BatchNormalization);
});

test("output layer keeps glorot_uniform", () => {
  const config = validateRunConfig({ hidden: [8], init: "he_normal" });
  const model = buildModel(config, 5, 3, backend, new Rng(1));
  const [hidden, output] = model.layers as [Dense, Dense];
  assert.equal(hidden.kernelInitializer.id, "he_normal");
  assert.equal(output.kernelInitializer.id, "glorot_uniform");
  assert.equal(output.activation.id, "softmax");
});

test("selu warns for each unmet condition", () => {
  const config = validateRunConfig({ activation: "selu", batchNorm: "after" });
  const warnings = seluWarnings(config, "selu", "glorot_uniform");
  assert.equal(warnings.length, 3);
  assert.match(warnings[0]!, /lecun_normal/);
  assert.match(warnings[1]!, /--standardize/);
  assert.match(warnings[2]!, /batch normalization/);
});

test("selu warns nothing when self-normalizing", () => {
  const config = validateRunConfig({ activation: "selu", init: "lecun_normal", standardize: true });
  assert.deepEqual(seluWarnings(config, "selu", "lecun_normal"), []);
});

test("other activations never get selu warnings", () => {
  const config = validateRunConfig({ activation: "relu" });
  assert.deepEqual(seluWarnings(config, "relu", "glorot_uniform"), []);
});
