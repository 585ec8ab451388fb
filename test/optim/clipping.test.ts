/**
 * Gradient clipping with Keras's optimizer options against clipping.json, on
 * both backends: clipvalue, clipnorm per variable, global_clipnorm in the
 * Keras form (no 1e-6 added to the norm, unlike torch's clip_grad_norm_),
 * the returned pre-clip global norm, and the one-option rule.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import type { Backend } from "../../src/engine/backend.js";
import { ConfigError } from "../../src/errors.js";
import { clipGradients, validateClipOptions, type ClipOptions } from "../../src/optim/clipping.js";
import { createOptimizer } from "../../src/optim/index.js";
import { SGD } from "../../src/optim/sgd.js";
import {
  BACKEND_CASES,
  FLOAT32_VS_FLOAT64,
  assertClose,
  assertScalarClose,
  flat,
  loadFixture,
  type Tensor,
} from "../helpers/fixtures.js";

const fx = loadFixture("clipping");
const TOL = FLOAT32_VS_FLOAT64;

/** Packs tensors into one flat buffer with per-variable views, as a model packs its gradients. */
function packed(tensors: Tensor[] = fx.gradients, scale = 1): { grads: Float32Array; views: Float32Array[] } {
  const parts = tensors.map((t) => flat(t).map((v) => v * scale));
  const grads = Float32Array.from(parts.flat());
  const views: Float32Array[] = [];
  let offset = 0;
  for (const part of parts) {
    views.push(grads.subarray(offset, offset + part.length));
    offset += part.length;
  }
  return { grads, views };
}

function l2(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]! * values[i]!;
  return Math.sqrt(sum);
}

function clip(backend: Backend, options: ClipOptions) {
  const { grads, views } = packed();
  const norm = clipGradients(backend, grads, views, options);
  return { grads, views, norm };
}

describe("clipping fixture", () => {
  it("has norms on both sides of 1", () => {
    assert.ok(fx.clip_norm.norms[0]! > fx.clip_norm.clipnorm, "tensor 0 norm");
    assert.ok(fx.clip_norm.norms[1]! < fx.clip_norm.clipnorm, "tensor 1 norm");
    assert.ok(fx.clip_norm.norms[2]! > fx.clip_norm.clipnorm, "tensor 2 norm");
  });
});

for (const backendCase of BACKEND_CASES) {
  describe(`clipping on ${backendCase.name}`, { skip: backendCase.skip }, () => {
    it("clipvalue clamps elements", () => {
      const { grads } = clip(backendCase.backend(), { clipvalue: fx.clip_value.clipvalue });
      assertClose(grads, fx.clip_value.result.flatMap(flat), TOL, "clipvalue result");
    });

    it("clipvalue returns the global norm", () => {
      const { norm } = clip(backendCase.backend(), { clipvalue: fx.clip_value.clipvalue });
      assertScalarClose(norm, fx.global_norm, TOL, "pre-clip global norm");
    });

    it("clipnorm clips each variable", () => {
      const { grads } = clip(backendCase.backend(), { clipnorm: fx.clip_norm.clipnorm });
      assertClose(grads, fx.clip_norm.result.flatMap(flat), TOL, "clipnorm result");
    });

    it("clipnorm leaves a small variable", () => {
      const { views } = clip(backendCase.backend(), { clipnorm: fx.clip_norm.clipnorm });
      assert.deepEqual(Array.from(views[1]!), Array.from(Float32Array.from(flat(fx.gradients[1]!))));
    });

    it("clipnorm sets large norms to c", () => {
      const { views } = clip(backendCase.backend(), { clipnorm: fx.clip_norm.clipnorm });
      const norms = views.map(l2);
      assertClose([norms[0]!, norms[2]!], [fx.clip_norm.clipnorm, fx.clip_norm.clipnorm], TOL, "clipped norms");
    });

    it("clipnorm returns the global norm", () => {
      const { norm } = clip(backendCase.backend(), { clipnorm: fx.clip_norm.clipnorm });
      assertScalarClose(norm, fx.global_norm, TOL, "pre-clip global norm");
    });

    it("global_clipnorm matches Keras", () => {
      const { grads } = clip(backendCase.backend(), { globalClipnorm: fx.global_clip_norm.clipnorm });
      assertClose(grads, fx.global_clip_norm.keras.flatMap(flat), TOL, "global_clipnorm result");
    });

    it("global_clipnorm returns the global norm", () => {
      const { norm } = clip(backendCase.backend(), { globalClipnorm: fx.global_clip_norm.clipnorm });
      assertScalarClose(norm, fx.global_norm, TOL, "pre-clip global norm");
    });

    it("global_clipnorm adds no epsilon", () => {
      // At global norm 2e-6 and clipnorm 1e-6, Keras scales by exactly 1/2
      // and torch's added 1e-6 would give 1/3, so the clipped norm
      // distinguishes the two.
      const target = 2e-6;
      const c = 1e-6;
      const { grads, views } = packed(fx.gradients, target / fx.global_norm);
      const before = grads.slice();
      const norm = clipGradients(backendCase.backend(), grads, views, { globalClipnorm: c });
      assertScalarClose(norm, target, TOL, "pre-clip global norm");
      assertScalarClose(l2(grads), c, TOL, "clipped global norm");
      const halves = Array.from(before, (g) => g / 2);
      assertClose(grads, halves, { rtol: 1e-6, atol: 0 }, "gradients scaled by c / norm");
    });

    it("global_clipnorm leaves a small norm", () => {
      const { grads } = clip(backendCase.backend(), { globalClipnorm: 2 * fx.global_norm });
      assert.deepEqual(Array.from(grads), Array.from(packed().grads));
    });

    it("optimizer step applies the clipped gradient", () => {
      const backend = backendCase.backend();
      const lr = 0.1;
      const optimizer = new SGD({ learningRate: lr, globalClipnorm: fx.global_clip_norm.clipnorm });
      const { grads, views } = packed();
      const values = new Float32Array(grads.length);
      optimizer.build(values.length);
      optimizer.step(backend, { values, grads, gradViews: views });
      const expected = fx.global_clip_norm.keras.flatMap(flat).map((g) => -lr * g);
      assertClose(values, expected, TOL, "w after one clipped SGD step");
      assertScalarClose(optimizer.lastGradNorm, fx.global_norm, TOL, "lastGradNorm");
    });
  });
}

describe("clip options", () => {
  const pairs: Array<{ options: ClipOptions; names: [string, string] }> = [
    { options: { clipvalue: 0.5, clipnorm: 1 }, names: ["clipvalue", "clipnorm"] },
    { options: { clipvalue: 0.5, globalClipnorm: 1 }, names: ["clipvalue", "global_clipnorm"] },
    { options: { clipnorm: 1, globalClipnorm: 1 }, names: ["clipnorm", "global_clipnorm"] },
  ];
  for (const { options, names } of pairs) {
    it(`rejects ${names.join(" with ")}`, () => {
      assert.throws(
        () => new SGD(options),
        (err: unknown) =>
          err instanceof ConfigError && names.every((name) => err.message.includes(name)),
        `expected a ConfigError naming ${names.join(" and ")}`,
      );
    });
  }

  it("rejects all three together", () => {
    assert.throws(
      () => validateClipOptions({ clipvalue: 1, clipnorm: 1, globalClipnorm: 1 }),
      (err: unknown) => err instanceof ConfigError && err.field === "clipping",
    );
  });

  it("createOptimizer rejects two options", () => {
    assert.throws(
      () => createOptimizer({ id: "adam", clipnorm: 1, clipvalue: 1 }),
      (err: unknown) => err instanceof ConfigError && /clipvalue/.test(err.message) && /clipnorm/.test(err.message),
    );
  });

  for (const [name, options] of [
    ["clipvalue 0", { clipvalue: 0 }],
    ["clipnorm -1", { clipnorm: -1 }],
    ["clipnorm Infinity", { clipnorm: Infinity }],
    ["global_clipnorm NaN", { globalClipnorm: NaN }],
  ] as const) {
    it(`rejects ${name}`, () => {
      assert.throws(() => validateClipOptions(options), ConfigError);
    });
  }

  it("accepts one option", () => {
    assert.doesNotThrow(() => validateClipOptions({ clipnorm: 1 }));
  });
});
