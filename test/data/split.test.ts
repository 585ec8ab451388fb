/**
 * Tests for shuffled index splits, row gathering and the default
 * train/validation/test split of the California housing data.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { FEATURE_NAMES, ROW_COUNT, type CaliforniaHousing } from "../../src/data/california-housing.js";
import { splitCaliforniaHousing, takeRows, trainTestSplit, type HousingSplit } from "../../src/data/split.js";
import { Rng } from "../../src/engine/rng.js";
import { ConfigError } from "../../src/errors.js";

/**
 * Builds a data set of `count` rows where every value encodes its position
 * (feature r*8+c, target r), so a gathered row shows which row it came from.
 * All values are below 2^24 and so exact in float32.
 */
function syntheticHousing(count = ROW_COUNT): CaliforniaHousing {
  const features = new Float32Array(count * 8);
  for (let i = 0; i < features.length; i++) features[i] = i;
  const targets = new Float32Array(count);
  for (let r = 0; r < count; r++) targets[r] = r;
  return { features, targets, featureNames: [...FEATURE_NAMES], targetName: "MedHouseVal", count };
}

function sameIndices(a: HousingSplit, b: HousingSplit): boolean {
  return (["train", "valid", "test"] as const).every((part) => {
    const x = a[part].indices;
    const y = b[part].indices;
    return x.length === y.length && x.every((value, i) => value === y[i]);
  });
}

describe("trainTestSplit", () => {
  it("sizes test part with ceil", () => {
    const split = trainTestSplit(10, 0.25, new Rng(1));
    assert.equal(split.test.length, 3);
    assert.equal(split.train.length, 7);
  });

  it("returns a permutation of all rows", () => {
    const split = trainTestSplit(1000, 0.3, new Rng(7));
    const all = [...split.train, ...split.test].sort((a, b) => a - b);
    assert.deepEqual(all, Array.from({ length: 1000 }, (_, i) => i));
  });

  it("shuffles rather than slicing", () => {
    const split = trainTestSplit(1000, 0.3, new Rng(7));
    const sorted = [...split.test].sort((a, b) => a - b);
    assert.notDeepEqual(sorted, Array.from({ length: 300 }, (_, i) => i));
  });

  for (const fraction of [0, 1, -0.25, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    it(`rejects testFraction ${fraction}`, () => {
      assert.throws(() => trainTestSplit(100, fraction, new Rng(1)), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.field, "testFraction");
        assert.match(err.message, /strictly between 0 and 1/);
        return true;
      });
    });
  }

  it("rejects split leaving train empty", () => {
    // ceil(1 * 0.5) puts the only row in the test part.
    assert.throws(() => trainTestSplit(1, 0.5, new Rng(1)), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /at least one of 1 rows/);
      return true;
    });
  });
});

describe("takeRows", () => {
  it("gathers rows in index order", () => {
    const matrix = Float32Array.from([0, 1, 10, 11, 20, 21]);
    const rows = takeRows(matrix, 2, Int32Array.from([2, 0, 2]));
    assert.deepEqual(Array.from(rows), [20, 21, 0, 1, 20, 21]);
  });

  it("returns a copy", () => {
    const matrix = Float32Array.from([0, 1, 10, 11]);
    const rows = takeRows(matrix, 2, Int32Array.from([0]));
    rows[0] = 99;
    assert.equal(matrix[0], 0);
  });

  it("rejects index outside matrix", () => {
    const matrix = new Float32Array(6);
    assert.throws(() => takeRows(matrix, 2, Int32Array.from([3])), RangeError);
    assert.throws(() => takeRows(matrix, 2, Int32Array.from([-1])), RangeError);
  });

  it("rejects width not dividing length", () => {
    assert.throws(() => takeRows(new Float32Array(5), 2, Int32Array.from([0])), RangeError);
  });
});

describe("splitCaliforniaHousing", () => {
  const data = syntheticHousing();

  it("gives 11610 / 3870 / 5160 rows", () => {
    const split = splitCaliforniaHousing(data);
    assert.equal(split.train.count, 11610);
    assert.equal(split.valid.count, 3870);
    assert.equal(split.test.count, 5160);
    for (const part of [split.train, split.valid, split.test]) {
      assert.equal(part.x.length, part.count * 8);
      assert.equal(part.y.length, part.count);
      assert.equal(part.indices.length, part.count);
    }
  });

  it("parts are disjoint and cover all rows", () => {
    const split = splitCaliforniaHousing(data);
    const seen = new Uint8Array(ROW_COUNT);
    for (const part of [split.train, split.valid, split.test]) {
      for (const row of part.indices) seen[row]! += 1;
    }
    assert.ok(seen.every((times) => times === 1), "some row is missing or in two parts");
  });

  it("rows match their indices", () => {
    const split = splitCaliforniaHousing(data);
    for (const part of [split.train, split.valid, split.test]) {
      part.indices.forEach((row, i) => {
        assert.equal(part.y[i], row);
        for (let c = 0; c < 8; c++) assert.equal(part.x[i * 8 + c], row * 8 + c);
      });
    }
  });

  it("same seed gives same split", () => {
    assert.ok(sameIndices(splitCaliforniaHousing(data, { seed: 42 }), splitCaliforniaHousing(data)));
    assert.ok(sameIndices(splitCaliforniaHousing(data, { seed: 7 }), splitCaliforniaHousing(data, { seed: 7 })));
  });

  it("different seed gives different split", () => {
    const a = splitCaliforniaHousing(data, { seed: 42 });
    const b = splitCaliforniaHousing(data, { seed: 43 });
    assert.notDeepEqual(Array.from(a.test.indices), Array.from(b.test.indices));
    assert.notDeepEqual(Array.from(a.valid.indices), Array.from(b.valid.indices));
  });

  it("applies custom fractions", () => {
    const split = splitCaliforniaHousing(syntheticHousing(100), { testFraction: 0.2, validFraction: 0.1 });
    assert.equal(split.test.count, 20);
    assert.equal(split.valid.count, 8);
    assert.equal(split.train.count, 72);
  });

  for (const field of ["testFraction", "validFraction"] as const) {
    for (const fraction of [0, 1, -0.1, 2, Number.NaN]) {
      it(`rejects ${field} ${fraction}`, () => {
        assert.throws(() => splitCaliforniaHousing(data, { [field]: fraction }), (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          assert.equal(err.field, field);
          return true;
        });
      });
    }
  }

  it("rejects non-integer seed", () => {
    assert.throws(() => splitCaliforniaHousing(data, { seed: 1.5 }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.field, "seed");
      return true;
    });
  });

  it("names validFraction when train part empties", () => {
    // 2 rows: 1 test row, then the 1 remaining row goes to validation.
    assert.throws(() => splitCaliforniaHousing(syntheticHousing(2)), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.field, "validFraction");
      return true;
    });
  });
});
