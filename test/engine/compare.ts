/**
 * Helpers for the tests that run the native and reference backends on the
 * same inputs: loading the native backend (or the reason to skip), seeded
 * random buffers, and closeness assertions that report the worst element.
 */
import assert from "node:assert/strict";

import type { Backend } from "../../src/engine/backend.js";
import {
  NativeBackend,
  addonLoadError,
  loadAddon,
} from "../../src/engine/native-backend.js";
import { ReferenceBackend } from "../../src/engine/reference-backend.js";
import type { Rng } from "../../src/engine/rng.js";

/** True when TRAINLAB_REQUIRE_NATIVE=1 makes a missing addon a test failure. */
export const REQUIRE_NATIVE = process.env.TRAINLAB_REQUIRE_NATIVE === "1";

/**
 * The `skip` option for tests that need the addon: a reason when the addon is
 * missing, or false. Under TRAINLAB_REQUIRE_NATIVE=1 it is always false, so
 * the test runs and `nativeBackend()` fails it.
 */
export const NATIVE_SKIP: string | false =
  loadAddon() || REQUIRE_NATIVE
    ? false
    : `native addon not built (${addonLoadError()}); run ` +
      "`node scripts/build-addon.mjs`, or set TRAINLAB_REQUIRE_NATIVE=1 to fail instead";

/** Returns the loaded addon; fails the calling test when it is missing. */
export function nativeAddon(): NonNullable<ReturnType<typeof loadAddon>> {
  const addon = loadAddon();
  assert.ok(
    addon,
    `native addon failed to load (${addonLoadError()}) and TRAINLAB_REQUIRE_NATIVE=1 ` +
      "requires it; run `node scripts/build-addon.mjs`",
  );
  return addon;
}

/** Returns the native backend; fails the calling test when the addon is missing. */
export function nativeBackend(): NativeBackend {
  return new NativeBackend(nativeAddon());
}

export const referenceBackend = new ReferenceBackend();

/**
 * Allowed difference per element: |native - reference| <= atol + rtol * |reference|.
 */
export interface Tolerance {
  rtol: number;
  atol: number;
}

/** Elementwise kernels, which differ from the reference by a few float32 roundings. */
export const ELEMENTWISE: Tolerance = { rtol: 1e-5, atol: 1e-6 };

/**
 * Returns the tolerance for a sum of `terms` float32 values of magnitude
 * about 1. The rounding errors of a float32 sum with random-sign terms grow
 * like sqrt(terms) times the float32 epsilon (1.2e-7), so atol grows with
 * sqrt(terms) from 1e-6.
 */
export function sumTolerance(terms: number): Tolerance {
  return { rtol: 1e-5, atol: 1e-6 * Math.sqrt(Math.max(terms, 1)) };
}

type NumericArray = ArrayLike<number>;

/**
 * Asserts that `actual` (native) matches `expected` (reference) element by
 * element within `tolerance`. NaN matches only NaN, and an infinity only the
 * same infinity. The message names the case, the number of elements out of
 * tolerance, and the max absolute and relative differences with their indices.
 */
export function assertClose(
  actual: NumericArray,
  expected: NumericArray,
  tolerance: Tolerance,
  label: string,
): void {
  assert.equal(actual.length, expected.length, `${label}: length differs`);
  let failures = 0;
  let maxAbs = 0;
  let maxAbsIndex = -1;
  let maxRel = 0;
  let maxRelIndex = -1;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Object.is(a, e) || a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
    // Past the check above, a NaN or an infinity on either side is a
    // mismatch, and it is reported as an infinite difference.
    const bothFinite = Number.isFinite(a) && Number.isFinite(e);
    const diff = bothFinite ? Math.abs(a - e) : Infinity;
    const rel = bothFinite && e !== 0 ? diff / Math.abs(e) : Infinity;
    if (!bothFinite || diff > tolerance.atol + tolerance.rtol * Math.abs(e)) failures++;
    if (diff > maxAbs || maxAbsIndex < 0) {
      maxAbs = diff;
      maxAbsIndex = i;
    }
    if (rel > maxRel || maxRelIndex < 0) {
      maxRel = rel;
      maxRelIndex = i;
    }
  }
  if (failures === 0) return;
  assert.fail(
    `${label}: ${failures} of ${expected.length} elements exceed ` +
      `|native - reference| <= ${tolerance.atol} + ${tolerance.rtol} * |reference|; ` +
      `max abs diff ${maxAbs.toExponential(3)} at [${maxAbsIndex}] ` +
      `(native ${actual[maxAbsIndex]}, reference ${expected[maxAbsIndex]}); ` +
      `max rel diff ${maxRel.toExponential(3)} at [${maxRelIndex}] ` +
      `(native ${actual[maxRelIndex]}, reference ${expected[maxRelIndex]})`,
  );
}

/** Asserts bit-identical elements (Object.is, so 0 and -0 differ). */
export function assertIdentical(
  actual: NumericArray,
  expected: NumericArray,
  label: string,
): void {
  assert.equal(actual.length, expected.length, `${label}: length differs`);
  let mismatches = 0;
  let first = -1;
  for (let i = 0; i < expected.length; i++) {
    if (Object.is(actual[i], expected[i])) continue;
    mismatches++;
    if (first < 0) first = i;
  }
  assert.equal(
    mismatches,
    0,
    `${label}: ${mismatches} of ${expected.length} elements differ; first at [${first}] ` +
      `(actual ${actual[first]}, expected ${expected[first]})`,
  );
}

export type KernelBuffer = Float32Array | Float64Array | Int32Array | Uint32Array;
export type BufferSet = Record<string, KernelBuffer>;

/** Results of one kernel call on each backend, each on its own copy of the inputs. */
export interface PairedRun<T extends BufferSet, R> {
  native: T;
  reference: T;
  nativeResult: R;
  referenceResult: R;
}

function copyBuffers<T extends BufferSet>(buffers: T): T {
  const copy: BufferSet = {};
  for (const [name, buffer] of Object.entries(buffers)) copy[name] = buffer.slice();
  return copy as T;
}

/**
 * Runs `kernel` on the native and the reference backend, each on a fresh
 * copy of `inputs`, because kernels write their buffers in place.
 */
export function runOnBoth<T extends BufferSet, R>(
  native: Backend,
  inputs: T,
  kernel: (backend: Backend, buffers: T) => R,
): PairedRun<T, R> {
  const nativeBuffers = copyBuffers(inputs);
  const referenceBuffers = copyBuffers(inputs);
  const nativeResult = kernel(native, nativeBuffers);
  const referenceResult = kernel(referenceBackend, referenceBuffers);
  return {
    native: nativeBuffers,
    reference: referenceBuffers,
    nativeResult,
    referenceResult,
  };
}

/** Asserts each named buffer of a paired run close, one assertion per buffer. */
export function assertBuffersClose<T extends BufferSet>(
  run: PairedRun<T, unknown>,
  names: readonly (keyof T & string)[],
  tolerance: Tolerance,
  label: string,
): void {
  for (const name of names) {
    assertClose(run.native[name]!, run.reference[name]!, tolerance, `${label} ${name}`);
  }
}

/** Returns `size` float32 draws from U(lo, hi). */
export function uniformArray(rng: Rng, size: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = lo + (hi - lo) * rng.uniform();
  return out;
}

/** Returns `size` float32 draws from N(mean, std^2). */
export function normalArray(rng: Rng, size: number, mean = 0, std = 1): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = mean + std * rng.normal();
  return out;
}
