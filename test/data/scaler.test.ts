/**
 * Tests for StandardScaler and for standardizing a housing split with
 * statistics from its training part only.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { FEATURE_COUNT, loadCaliforniaHousing } from "../../src/data/california-housing.js";
import { StandardScaler, standardizeParts } from "../../src/data/scaler.js";
import { splitCaliforniaHousing, type HousingSplit } from "../../src/data/split.js";
import { DataError } from "../../src/errors.js";

/** Mean and population standard deviation of column `c`, in float64. */
function columnStats(x: Float32Array, width: number, c: number): { mean: number; std: number } {
  const rows = x.length / width;
  let sum = 0;
  for (let r = 0; r < rows; r++) sum += x[r * width + c]!;
  const mean = sum / rows;
  let squares = 0;
  for (let r = 0; r < rows; r++) squares += (x[r * width + c]! - mean) ** 2;
  return { mean, std: Math.sqrt(squares / rows) };
}

describe("StandardScaler", () => {
  it("fits mean and population std", () => {
    // Column 0 is 1, 2, 3, 4 and column 1 is 10, 10, 30, 30.
    const x = Float32Array.from([1, 10, 2, 10, 3, 30, 4, 30]);
    const scaler = new StandardScaler().fit(x, 2);

    assert.equal(scaler.width, 2);
    assert.deepEqual(Array.from(scaler.mean), [2.5, 20]);
    assert.deepEqual(Array.from(scaler.scale), [Math.sqrt(1.25), 10]);
  });

  it("gives constant columns scale 1", () => {
    // Column 0 is constant 0.1, column 1 constant 0, column 2 varies.
    const x = new Float32Array(999 * 3);
    for (let r = 0; r < 999; r++) {
      x[r * 3] = 0.1;
      x[r * 3 + 2] = r;
    }
    const scaler = new StandardScaler().fit(x, 3);

    assert.equal(scaler.scale[0], 1);
    assert.equal(scaler.scale[1], 1);
    assert.notEqual(scaler.scale[2], 1);
    const transformed = scaler.transform(x);
    for (let r = 0; r < 999; r++) {
      assert.equal(transformed[r * 3], 0);
      assert.equal(transformed[r * 3 + 1], 0);
    }
  });

  it("transform returns new array", () => {
    const x = Float32Array.from([1, 2, 3, 4]);
    const scaler = new StandardScaler().fit(x, 1);
    const transformed = scaler.transform(x);

    assert.notEqual(transformed, x);
    assert.deepEqual(Array.from(x), [1, 2, 3, 4]);
    assert.deepEqual(Array.from(transformed), Array.from(Float32Array.from([-3, -1, 1, 3].map((v) => v / 2 / Math.sqrt(1.25)))));
  });

  it("transformInPlace overwrites input", () => {
    const x = Float32Array.from([1, 2, 3, 4]);
    const expected = new StandardScaler().fit(x, 1).transform(x);
    const scaler = new StandardScaler().fit(x, 1);

    assert.equal(scaler.transformInPlace(x), x);
    assert.deepEqual(x, expected);
  });

  it("round-trips through JSON", () => {
    const x = Float32Array.from([1.5, -2, 0.25, 7, 3, 3, 9.75, 100]);
    const scaler = new StandardScaler().fit(x, 2);
    const restored = StandardScaler.fromJSON(JSON.parse(JSON.stringify(scaler)));

    assert.deepEqual(restored.toJSON(), scaler.toJSON());
    assert.deepEqual(restored.transform(x), scaler.transform(x));
  });

  const invalidJson: [string, unknown][] = [
    ["null", null],
    ["wrong type", { type: "MinMaxScaler", mean: [0], scale: [1] }],
    ["missing scale", { type: "StandardScaler", mean: [0] }],
    ["length mismatch", { type: "StandardScaler", mean: [0, 1], scale: [1] }],
    ["empty arrays", { type: "StandardScaler", mean: [], scale: [] }],
    ["zero scale", { type: "StandardScaler", mean: [0], scale: [0] }],
    ["string value", { type: "StandardScaler", mean: ["0"], scale: [1] }],
  ];
  for (const [name, json] of invalidJson) {
    it(`fromJSON rejects ${name}`, () => {
      assert.throws(() => StandardScaler.fromJSON(json), (err: unknown) => {
        assert.ok(err instanceof DataError);
        assert.match(err.message, /^invalid StandardScaler JSON: /);
        return true;
      });
    });
  }

  it("rejects transform before fit", () => {
    assert.throws(() => new StandardScaler().transform(new Float32Array(2)), /not fitted/);
  });

  it("rejects width mismatch", () => {
    const scaler = new StandardScaler().fit(new Float32Array([1, 2, 3, 4, 5, 6]), 3);
    assert.throws(() => scaler.transform(new Float32Array(4)), RangeError);
    assert.throws(() => new StandardScaler().fit(new Float32Array(5), 2), RangeError);
    assert.throws(() => new StandardScaler().fit(new Float32Array(0), 2), RangeError);
  });

  it("rejects NaN in fit", () => {
    const x = Float32Array.from([1, 2, Number.NaN, 4]);
    assert.throws(() => new StandardScaler().fit(x, 2), (err: unknown) => {
      assert.ok(err instanceof DataError);
      assert.match(err.message, /row 1, column 0 is NaN/);
      return true;
    });
  });
});

describe("standardizeParts on housing", () => {
  let split: HousingSplit;
  let homeDir: string;

  before(async () => {
    // An empty home and environment make the loader use the shipped copy.
    homeDir = await mkdtemp(join(tmpdir(), "trainlab-scaler-"));
    split = splitCaliforniaHousing(await loadCaliforniaHousing({ env: {}, homeDir }));
  });

  after(async () => {
    await rm(homeDir, { recursive: true, force: true });
  });

  it("train columns have mean 0 and std 1", () => {
    const scaled = standardizeParts(split, FEATURE_COUNT);
    for (let c = 0; c < FEATURE_COUNT; c++) {
      const { mean, std } = columnStats(scaled.train.x, FEATURE_COUNT, c);
      assert.ok(Math.abs(mean) < 1e-5, `column ${c} mean ${mean}`);
      assert.ok(Math.abs(std - 1) < 1e-4, `column ${c} std ${std}`);
    }
  });

  it("statistics come from train only", () => {
    const scaled = standardizeParts(split, FEATURE_COUNT);
    const mean = scaled.scaler.mean;
    const scale = scaled.scaler.scale;
    for (let c = 0; c < FEATURE_COUNT; c++) {
      const train = columnStats(split.train.x, FEATURE_COUNT, c);
      assert.ok(Math.abs(mean[c]! - train.mean) <= 1e-9 * Math.abs(train.mean), `column ${c} mean`);
      assert.ok(Math.abs(scale[c]! - train.std) <= 1e-9 * train.std, `column ${c} scale`);
    }
  });

  it("valid and test use train statistics", () => {
    const scaled = standardizeParts(split, FEATURE_COUNT);
    const mean = scaled.scaler.mean;
    const scale = scaled.scaler.scale;
    for (const part of ["valid", "test"] as const) {
      const raw = split[part].x;
      const standardized = scaled[part].x;
      for (let i = 0; i < raw.length; i++) {
        const c = i % FEATURE_COUNT;
        assert.equal(standardized[i], Math.fround((raw[i]! - mean[c]!) / scale[c]!));
      }
      // A scaler refitted on this part would make every column mean 0 to
      // about 1e-7, so a larger mean shows the train statistics were used.
      const largestMean = Math.max(
        ...Array.from({ length: FEATURE_COUNT }, (_, c) => Math.abs(columnStats(standardized, FEATURE_COUNT, c).mean)),
      );
      assert.ok(largestMean > 1e-3, `${part} column means are all near 0: ${largestMean}`);
    }
  });

  it("leaves input parts unchanged", () => {
    const before = split.valid.x.slice();
    const scaled = standardizeParts(split, FEATURE_COUNT);
    assert.deepEqual(split.valid.x, before);
    assert.equal(scaled.valid.y, split.valid.y);
    assert.equal(scaled.valid.count, split.valid.count);
  });
});
