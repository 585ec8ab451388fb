/**
 * Shared helpers for the layer, optimizer and training tests: the reference
 * fixtures from PyTorch 1.13 and the Keras 3 formulas (their layout is
 * documented in scripts/reference/README.md), closeness assertions that report
 * the worst element, and one test case per backend.
 *
 * Tests compile to dist/test/..., so paths are resolved by walking up from
 * this module to the directory that contains package.json (the repository
 * root), which works from both the source and the compiled location.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import type { Backend } from "../../src/engine/backend.js";
import { createBackend } from "../../src/engine/index.js";
import { addonLoadError, loadAddon } from "../../src/engine/native-backend.js";

/** Returns the nearest ancestor of `start` that contains package.json. */
function findRepoRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

export const REPO_ROOT = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
export const FIXTURE_DIR = join(REPO_ROOT, "test", "fixtures", "reference");
/** The compiled CLI entry point. */
export const CLI_PATH = join(REPO_ROOT, "dist", "src", "cli", "main.js");

export type Matrix = number[][];

// ---------------------------------------------------------------- fixtures

export interface DenseFixture {
  x: Matrix;
  W1: Matrix;
  b1: number[];
  W2: Matrix;
  b2: number[];
  labels: number[];
  z1: Matrix;
  h1: Matrix;
  logits: Matrix;
  probabilities: Matrix;
  loss: number;
  dlogits: Matrix;
  dW1: Matrix;
  db1: number[];
  dW2: Matrix;
  db2: number[];
  dx: Matrix;
}

export interface ActivationEntry {
  id: string;
  name: string;
  params: {
    negative_slope?: number;
    alpha?: number;
    scale?: number;
    approximate?: boolean;
    lower?: number;
    upper?: number;
    training?: boolean;
    axis?: number;
  };
  /** [64] for the elementwise entries, [4, 10] for softmax. */
  x: number[] | Matrix;
  dy: number[] | Matrix;
  y: number[] | Matrix;
  dx: number[] | Matrix;
  /** rrelu_train only: the slope torch used for each element. */
  slopes?: number[];
}

export interface ActivationsFixture {
  entries: ActivationEntry[];
}

export interface BatchNormFixture {
  eps: number;
  torch_momentum: number;
  keras_momentum: number;
  x: Matrix;
  dy: Matrix;
  gamma: number[];
  beta: number[];
  train: {
    running_mean_before: number[];
    running_var_before: number[];
    y: Matrix;
    dx: Matrix;
    dgamma: number[];
    dbeta: number[];
    batch_mean: number[];
    batch_var: number[];
    batch_var_unbiased: number[];
    torch_running_mean: number[];
    torch_running_var: number[];
    keras_moving_mean: number[];
    keras_moving_variance: number[];
  };
  eval: {
    moving_mean: number[];
    moving_variance: number[];
    y: Matrix;
    dx: Matrix;
    dgamma: number[];
    dbeta: number[];
  };
}

/** A gradient tensor: a matrix, or a vector for a bias. */
export type Tensor = number[] | Matrix;

export interface ClippingFixture {
  shapes: number[][];
  gradients: Tensor[];
  clip_value: { clipvalue: number; result: Tensor[] };
  clip_norm: { clipnorm: number; norms: number[]; result: Tensor[] };
  global_norm: number;
  global_clip_norm: {
    clipnorm: number;
    keras_scale: number;
    keras: Tensor[];
    torch_eps: number;
    torch_total_norm: number;
    torch_scale: number;
    torch: Tensor[];
    max_abs_diff_keras_torch: number;
  };
}

export interface OptimizerEntry {
  id: string;
  name: string;
  params: Record<string, number | boolean>;
  /** [5, 6]: the parameter after each step. */
  keras: Matrix;
  torch: {
    optimizer: string;
    params: Record<string, number | boolean>;
    trajectory: Matrix;
    should_equal_keras: boolean;
    max_abs_diff_from_keras: number;
    note: string;
  };
}

export interface OptimizersFixture {
  w0: number[];
  /** [5, 6]: row t is the gradient applied at step t + 1. */
  gradients: Matrix;
  optimizers: OptimizerEntry[];
  exponential_decay: {
    initial_learning_rate: number;
    decay_steps: number;
    decay_rate: number;
    steps: number[];
    staircase_false: number[];
    staircase_true: number[];
  };
}

interface FixtureTypes {
  dense: DenseFixture;
  activations: ActivationsFixture;
  batch_norm: BatchNormFixture;
  clipping: ClippingFixture;
  optimizers: OptimizersFixture;
}

const fixtureCache = new Map<string, unknown>();

/** Reads test/fixtures/reference/NAME.json once per process. */
export function loadFixture<K extends keyof FixtureTypes>(name: K): FixtureTypes[K] {
  let fixture = fixtureCache.get(name);
  if (fixture === undefined) {
    fixture = JSON.parse(readFileSync(join(FIXTURE_DIR, `${name}.json`), "utf8"));
    fixtureCache.set(name, fixture);
  }
  return fixture as FixtureTypes[K];
}

/** Flattens a vector or a row-major matrix into one list. */
export function flat(values: Tensor): number[] {
  return (values as Array<number | number[]>).flat();
}

/** Returns a new float32 copy of a vector or a row-major matrix. */
export function f32(values: Tensor): Float32Array {
  return Float32Array.from(flat(values));
}

// ---------------------------------------------------------------- closeness

/** Allowed difference per element: |actual - expected| <= atol + rtol * |expected|. */
export interface Tolerance {
  rtol: number;
  atol: number;
}

/**
 * The tolerance of a float32 computation against a float64 reference, on
 * inputs of magnitude about 1. Each float32 operation rounds by up to 6e-8
 * relative, so 1e-5 relative leaves room for a few dozen roundings. The 1e-6
 * absolute term covers results that cancel to near zero.
 */
export const FLOAT32_VS_FLOAT64: Tolerance = { rtol: 1e-5, atol: 1e-6 };

/** The largest absolute and relative differences between two arrays. */
export interface Differences {
  maxAbs: number;
  maxAbsIndex: number;
  maxRel: number;
  maxRelIndex: number;
  /** Elements outside the tolerance. */
  failures: number;
}

/** Compares element by element. NaN matches only NaN, and an infinity only itself. */
export function differences(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: Tolerance,
): Differences {
  const result: Differences = { maxAbs: 0, maxAbsIndex: -1, maxRel: 0, maxRelIndex: -1, failures: 0 };
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
    const finite = Number.isFinite(a) && Number.isFinite(e);
    const abs = finite ? Math.abs(a - e) : Infinity;
    const rel = finite && e !== 0 ? abs / Math.abs(e) : Infinity;
    if (!finite || abs > tolerance.atol + tolerance.rtol * Math.abs(e)) result.failures++;
    if (abs > result.maxAbs || result.maxAbsIndex < 0) {
      result.maxAbs = abs;
      result.maxAbsIndex = i;
    }
    if (rel > result.maxRel || result.maxRelIndex < 0) {
      result.maxRel = rel;
      result.maxRelIndex = i;
    }
  }
  return result;
}

/**
 * Asserts `actual` within `tolerance` of `expected`, element by element. The
 * failure message names the case, the tolerance, the count of elements out of
 * tolerance, and the max absolute and relative differences with their indices.
 */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: Tolerance,
  label: string,
): void {
  assert.equal(actual.length, expected.length, `${label}: length ${actual.length}, expected ${expected.length}`);
  const d = differences(actual, expected, tolerance);
  if (d.failures === 0) return;
  assert.fail(
    `${label}: ${d.failures} of ${expected.length} elements exceed ` +
      `|actual - expected| <= ${tolerance.atol} + ${tolerance.rtol} * |expected|; ` +
      `max abs diff ${d.maxAbs.toExponential(3)} at [${d.maxAbsIndex}] ` +
      `(actual ${actual[d.maxAbsIndex]}, expected ${expected[d.maxAbsIndex]}); ` +
      `max rel diff ${d.maxRel.toExponential(3)} at [${d.maxRelIndex}] ` +
      `(actual ${actual[d.maxRelIndex]}, expected ${expected[d.maxRelIndex]})`,
  );
}

/** Asserts one number within `tolerance` of `expected`. */
export function assertScalarClose(actual: number, expected: number, tolerance: Tolerance, label: string): void {
  assertClose([actual], [expected], tolerance, label);
}

/** Returns max |a - b| over two arrays of equal length. */
export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

// ---------------------------------------------------------------- backends

/** True when TRAINLAB_REQUIRE_NATIVE=1 turns a missing addon into test failures. */
export const REQUIRE_NATIVE = process.env.TRAINLAB_REQUIRE_NATIVE === "1";

/** One backend to run a group of tests on. */
export interface BackendCase {
  name: "reference" | "native";
  /**
   * The `skip` option for the group: a reason when the native addon is
   * missing and TRAINLAB_REQUIRE_NATIVE is not "1", else false.
   */
  skip: string | false;
  /**
   * Returns the backend, created on first use. A missing addon throws a
   * ConfigError here, which fails the calling test.
   */
  backend(): Backend;
}

function backendCase(name: "reference" | "native", skip: string | false): BackendCase {
  let backend: Backend | undefined;
  return {
    name,
    skip,
    backend() {
      // One BLAS thread keeps native sums in a fixed order, so reruns match.
      backend ??= createBackend({ backend: name, threads: 1 });
      return backend;
    },
  };
}

const nativeSkip: string | false =
  loadAddon() || REQUIRE_NATIVE
    ? false
    : `native addon not built (${addonLoadError()}); run \`node scripts/build-addon.mjs\`, ` +
      "or set TRAINLAB_REQUIRE_NATIVE=1 to fail instead";

/** The reference backend, then the native one. */
export const BACKEND_CASES: readonly BackendCase[] = [
  backendCase("reference", false),
  backendCase("native", nativeSkip),
];
