/**
 * Tests of the seeded xoshiro128** generator: reproducibility, the ranges
 * and moments of its distributions, shuffling, and the native fillUniform
 * continuing the TypeScript stream bit for bit.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { Rng } from "../../src/engine/rng.js";
import { NATIVE_SKIP, assertIdentical, nativeAddon } from "./compare.js";

const DRAWS = 100_000;

function drawSequence(rng: Rng, count: number): number[] {
  return Array.from({ length: count }, () => rng.nextU32());
}

function meanAndVariance(values: readonly number[]): { mean: number; variance: number } {
  let sum = 0;
  for (const x of values) sum += x;
  const mean = sum / values.length;
  let squares = 0;
  for (const x of values) squares += (x - mean) ** 2;
  return { mean, variance: squares / (values.length - 1) };
}

test("same seed repeats sequence", () => {
  for (const seed of [0, 1, 42, 0xffffffff]) {
    assert.deepEqual(
      drawSequence(new Rng(seed), 1000),
      drawSequence(new Rng(seed), 1000),
      `seed ${seed}`,
    );
  }
});

test("different seeds give different sequences", () => {
  const seeds = [0, 1, 2, 42, 43];
  const sequences = seeds.map((seed) => drawSequence(new Rng(seed), 100));
  for (let a = 0; a < seeds.length; a++) {
    for (let b = a + 1; b < seeds.length; b++) {
      const equal = sequences[a]!.filter((x, i) => x === sequences[b]![i]).length;
      assert.equal(equal, 0, `seeds ${seeds[a]} and ${seeds[b]}: equal draws at the same position`);
    }
  }
});

test("seed 0 gives a nonzero state", () => {
  // xoshiro never leaves the all-zero state, so it must not start there.
  assert.ok(new Rng(0).state.some((word) => word !== 0));
});

test("uniform stays in [0, 1)", () => {
  const rng = new Rng(11);
  const values = Array.from({ length: DRAWS }, () => rng.uniform());
  assert.ok(values.every((u) => u >= 0), "a draw is below 0");
  assert.ok(values.every((u) => u < 1), "a draw reaches 1");
  // 24 random bits scaled by 2^-24 are exact in float32.
  assert.ok(values.every((u) => Math.fround(u) === u), "a draw is not exact in float32");
});

test("uniform has mean 0.5", () => {
  const rng = new Rng(12);
  const { mean, variance } = meanAndVariance(Array.from({ length: DRAWS }, () => rng.uniform()));
  // The standard error of the mean is sqrt(1/12 / 1e5) = 9.1e-4, so 0.005 is
  // about 5.5 standard errors.
  assert.ok(Math.abs(mean - 0.5) < 0.005, `mean ${mean}, expected 0.5 +- 0.005`);
  assert.ok(Math.abs(variance - 1 / 12) < 0.002, `variance ${variance}, expected 1/12 +- 0.002`);
});

test("normal has mean 0, variance 1", () => {
  const rng = new Rng(13);
  const values = Array.from({ length: DRAWS }, () => rng.normal());
  const { mean, variance } = meanAndVariance(values);
  // Standard errors over 1e5 draws: 3.2e-3 for the mean and
  // sqrt(2 / 1e5) = 4.5e-3 for the variance, so both bounds are over 5 of them.
  assert.ok(Math.abs(mean) < 0.016, `mean ${mean}, expected 0 +- 0.016`);
  assert.ok(Math.abs(variance - 1) < 0.025, `variance ${variance}, expected 1 +- 0.025`);
  assert.ok(values.every(Number.isFinite), "a draw is not finite");
});

test("int stays in [0, n)", () => {
  const rng = new Rng(14);
  // int(2^31 + 1) rejects almost half of the raw draws, and int(2^32) none.
  for (const n of [1, 2, 3, 7, 10, 1000, 2 ** 31 + 1, 2 ** 32]) {
    const values = Array.from({ length: 10_000 }, () => rng.int(n));
    assert.ok(values.every(Number.isInteger), `int(${n}) returned a non-integer`);
    assert.ok(values.every((x) => x >= 0), `int(${n}) returned a negative value`);
    assert.ok(values.every((x) => x < n), `int(${n}) returned a value >= ${n}`);
  }
});

test("int covers values uniformly", () => {
  const rng = new Rng(15);
  const n = 7;
  const counts = new Array<number>(n).fill(0);
  for (let i = 0; i < 7000; i++) counts[rng.int(n)]!++;
  // Each count is Binomial(7000, 1/7): mean 1000, standard deviation 29.
  for (let value = 0; value < n; value++) {
    assert.ok(
      Math.abs(counts[value]! - 1000) < 150,
      `value ${value} drawn ${counts[value]} times, expected 1000 +- 150`,
    );
  }
});

test("shuffle is a permutation", () => {
  const rng = new Rng(16);
  const identity = Int32Array.from({ length: 1000 }, (_, i) => i);
  const shuffled = identity.slice();
  rng.shuffle(shuffled);
  assert.deepEqual(shuffled.slice().sort(), identity, "elements lost or duplicated");
  assert.notDeepEqual(shuffled, identity, "order unchanged");

  const array = Array.from({ length: 10 }, (_, i) => i);
  rng.shuffle(array);
  assert.deepEqual([...array].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test("shuffle repeats for same seed", () => {
  const first = Int32Array.from({ length: 100 }, (_, i) => i);
  const second = first.slice();
  new Rng(17).shuffle(first);
  new Rng(17).shuffle(second);
  assert.deepEqual(first, second);
});

test("fork is reproducible and independent", () => {
  const parent = new Rng(18);
  const childDraws = drawSequence(parent.fork(), 100);
  const againDraws = drawSequence(new Rng(18).fork(), 100);
  assert.deepEqual(childDraws, againDraws, "forks of equal parents differ");
  assert.notDeepEqual(drawSequence(parent, 100), childDraws, "fork repeats the parent stream");
});

const FILL_RANGES: Array<[number, number]> = [
  [0, 1],
  [-0.5, 2],
  [1 / 8, 1 / 3],
];

test("fillUniform continues the TypeScript stream", { skip: NATIVE_SKIP }, () => {
  const addon = nativeAddon();
  for (const [lo, hi] of FILL_RANGES) {
    for (const size of [1, 7, 1001]) {
      const label = `fillUniform lo=${lo} hi=${hi} size=${size}`;
      const rng = new Rng(19);
      // Start mid-stream, after draws on the TypeScript side.
      for (let i = 0; i < 5; i++) rng.uniform();
      const state = rng.state.slice();
      const out = new Float32Array(size).fill(NaN);
      addon.fillUniform(state, out, lo, hi);

      const expected = new Float32Array(size);
      for (let i = 0; i < size; i++) expected[i] = Math.fround(lo + (hi - lo) * rng.uniform());
      assertIdentical(out, expected, `${label} values`);
      assertIdentical(state, rng.state, `${label} state after the draws`);
    }
  }
});

test("fillUniform stays within bounds", { skip: NATIVE_SKIP }, () => {
  const addon = nativeAddon();
  for (const [lo, hi] of FILL_RANGES) {
    const out = new Float32Array(DRAWS);
    addon.fillUniform(new Rng(20).state, out, lo, hi);
    // Rounding to float32 can reach hi itself, but never pass it.
    const outside = out.filter((x) => !(x >= Math.fround(lo) && x <= Math.fround(hi)));
    const examples = outside.slice(0, 5).join(", ");
    assert.equal(outside.length, 0, `lo=${lo} hi=${hi}: values outside the range: ${examples}`);
  }
});

test("fillUniform on empty output", { skip: NATIVE_SKIP }, () => {
  const addon = nativeAddon();
  const state = new Rng(21).state;
  const before = state.slice();
  addon.fillUniform(state, new Float32Array(0), 0, 1);
  assertIdentical(state, before, "state after filling nothing");
});
