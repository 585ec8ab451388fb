/**
 * Runs every native kernel and its reference kernel on identical seeded
 * inputs over a grid of shapes, including batch 1 and odd widths that leave
 * vector-loop remainders, and compares every output buffer. The tolerance of
 * each comparison is stated where it is used. The native tests skip when the
 * addon is not built, unless TRAINLAB_REQUIRE_NATIVE=1.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  ActivationKind,
  RegressionLossKind,
  type Backend,
  type RreluNoise,
} from "../../src/engine/backend.js";
import { Rng } from "../../src/engine/rng.js";
import {
  ELEMENTWISE,
  NATIVE_SKIP,
  assertBuffersClose,
  assertClose,
  assertIdentical,
  nativeBackend,
  normalArray,
  referenceBackend,
  runOnBoth,
  sumTolerance,
  uniformArray,
  type Tolerance,
} from "./compare.js";

const BATCH_SIZES = [1, 3, 32, 33];
const WIDTHS = [1, 7, 50, 300];
const INNER_SIZES = [1, 5, 784];
/** Flat buffer lengths for elementwise kernels: 1, odd lengths and 33 x 300. */
const FLAT_SIZES = [1, 3, 7, 33, 1650, 9900];
const options = { skip: NATIVE_SKIP };

/** Returns every (batch rows, columns) pair of the grid. */
function batchShapes(): Array<[number, number]> {
  const shapes: Array<[number, number]> = [];
  for (const n of BATCH_SIZES) for (const c of WIDTHS) shapes.push([n, c]);
  return shapes;
}

function filledNaN(size: number): Float32Array {
  return new Float32Array(size).fill(NaN);
}

// ---------------------------------------------------------------- threads

test("setThreads sets BLAS threads", options, () => {
  const native = nativeBackend();
  const original = native.getThreads();
  try {
    native.setThreads(1);
    assert.equal(native.getThreads(), 1, "native threads after setThreads(1)");
  } finally {
    native.setThreads(original);
  }
  assert.equal(native.getThreads(), original, "native threads after restoring");
  assert.equal(referenceBackend.getThreads(), 1, "reference threads");
});

// ---------------------------------------------------------------- gemm

for (const transA of [false, true]) {
  for (const transB of [false, true]) {
    test(`gemm transA=${transA} transB=${transB}`, options, () => {
      const native = nativeBackend();
      const rng = new Rng(1000 + 2 * Number(transA) + Number(transB));
      for (const m of BATCH_SIZES) {
        for (const n of WIDTHS) {
          for (const k of INNER_SIZES) {
            const label = `gemm transA=${transA} transB=${transB} m=${m} n=${n} k=${k}`;
            const a = uniformArray(rng, m * k, -1, 1);
            const b = uniformArray(rng, k * n, -1, 1);
            // Each element is a float32 dot product of length k, accumulated
            // by OpenBLAS in float32 and by the reference in float64.
            const tolerance = sumTolerance(k);

            // beta = 0 must overwrite C, so C starts as NaN.
            const overwrite = runOnBoth(native, { a, b, c: filledNaN(m * n) }, (backend, x) =>
              backend.gemm(transA, transB, m, n, k, 1, x.a, x.b, 0, x.c),
            );
            assertClose(
              overwrite.native.c,
              overwrite.reference.c,
              tolerance,
              `${label} alpha=1 beta=0`,
            );

            const c = uniformArray(rng, m * n, -1, 1);
            const accumulate = runOnBoth(native, { a, b, c }, (backend, x) =>
              backend.gemm(transA, transB, m, n, k, -0.75, x.a, x.b, 0.5, x.c),
            );
            assertClose(
              accumulate.native.c,
              accumulate.reference.c,
              tolerance,
              `${label} alpha=-0.75 beta=0.5`,
            );
          }
        }
      }
    });
  }
}

// ---------------------------------------------------------------- activations

type ActivationName = keyof typeof ActivationKind;
const ACTIVATIONS = Object.entries(ActivationKind) as Array<[ActivationName, ActivationKind]>;

const RRELU_LOWER = 1 / 8;
const RRELU_UPPER = 1 / 3;

/**
 * The `alpha` argument per kind: the leaky_relu slope, the elu scale and the
 * rrelu inference slope (the mean of U(lower, upper)). Other kinds ignore it.
 */
const ACTIVATION_ALPHA: Record<ActivationName, number> = {
  linear: 0,
  relu: 0,
  leaky_relu: 0.2,
  elu: 0.7,
  selu: 0,
  sigmoid: 0,
  tanh: 0,
  gelu: 0,
  gelu_tanh: 0,
  swish: 0,
  rrelu: (RRELU_LOWER + RRELU_UPPER) / 2,
};

/** Zeros of both signs, values near 0 and saturating values, placed first. */
const SPECIAL_INPUTS = [0, -0, 1e-3, -1e-3, 8, -8, 25, -25];

/** Pre-activations: the special inputs, then draws from N(0, 3^2). */
function activationInputs(rng: Rng, size: number): Float32Array {
  const z = normalArray(rng, size, 0, 3);
  z.set(SPECIAL_INPUTS.slice(0, size));
  return z;
}

/**
 * Known native-versus-reference discrepancies in activationBackward. Their
 * tests run as todo, so they report the difference without failing the suite.
 */
const BACKWARD_DISCREPANCIES: Partial<Record<ActivationName, string>> = {};

for (const [name, kind] of ACTIVATIONS) {
  for (const withBias of [true, false]) {
    const testName = `biasActivationForward ${name} ${withBias ? "with" : "without"} bias`;
    test(testName, options, () => {
      const native = nativeBackend();
      const rng = new Rng(2000 + kind);
      const alpha = ACTIVATION_ALPHA[name];
      for (const [n, c] of batchShapes()) {
        const label = `${testName} n=${n} c=${c}`;
        const inputs = {
          z: activationInputs(rng, n * c),
          bias: uniformArray(rng, c, -0.5, 0.5),
          y: filledNaN(n * c),
        };
        const run = runOnBoth(native, inputs, (backend, x) => {
          const bias = withBias ? x.bias : null;
          backend.biasActivationForward(kind, alpha, n, c, x.z, bias, x.y, null);
        });
        // The bias add is one correctly rounded float32 addition in both.
        assertIdentical(run.native.z, run.reference.z, `${label} z`);
        assertClose(run.native.y, run.reference.y, ELEMENTWISE, `${label} y`);
      }
    });
  }

  const todo = BACKWARD_DISCREPANCIES[name];
  test(`activationBackward ${name}`, todo ? { ...options, todo } : options, () => {
    const native = nativeBackend();
    const rng = new Rng(3000 + kind);
    const alpha = ACTIVATION_ALPHA[name];
    for (const [n, c] of batchShapes()) {
      const size = n * c;
      const label = `activationBackward ${name} size=${size} (n=${n} c=${c})`;
      // Both backends get the reference forward output, because some native
      // derivatives are computed from y and the others from z.
      const z = activationInputs(rng, size);
      const y = new Float32Array(size);
      referenceBackend.biasActivationForward(kind, alpha, n, c, z.slice(), null, y, null);
      const inputs = { z, y, dy: normalArray(rng, size), dz: filledNaN(size) };
      const run = runOnBoth(native, inputs, (backend, x) =>
        backend.activationBackward(kind, alpha, size, x.z, x.y, x.dy, x.dz, null),
      );
      assertClose(run.native.dz, run.reference.dz, ELEMENTWISE, `${label} dz`);
    }
  });
}

test("biasActivationForward linear in place", options, () => {
  const native = nativeBackend();
  const rng = new Rng(3500);
  // The interface allows y to be z for linear, the only kind that permits it.
  for (const [n, c] of batchShapes()) {
    const inputs = { z: activationInputs(rng, n * c), bias: uniformArray(rng, c, -0.5, 0.5) };
    const run = runOnBoth(native, inputs, (backend, x) =>
      backend.biasActivationForward(ActivationKind.linear, 0, n, c, x.z, x.bias, x.z, null),
    );
    assertIdentical(run.native.z, run.reference.z, `linear in place n=${n} c=${c} z`);
  }
});

// ---------------------------------------------------------------- rrelu training

interface RreluTrainingCase {
  label: string;
  initialState: Uint32Array;
  run: ReturnType<typeof runRreluTraining>;
}

/** Runs the rrelu training forward on both backends from the same RNG state. */
function runRreluTraining(
  rng: Rng,
  n: number,
  c: number,
  withBias: boolean,
  initialState: Uint32Array,
) {
  const native = nativeBackend();
  const inputs = {
    z: activationInputs(rng, n * c),
    bias: uniformArray(rng, c, -0.5, 0.5),
    y: filledNaN(n * c),
    slopes: filledNaN(n * c),
    rngState: initialState.slice(),
  };
  return runOnBoth(native, inputs, (backend, x) => {
    const noise: RreluNoise = {
      slopes: x.slopes,
      rngState: x.rngState,
      lower: RRELU_LOWER,
      upper: RRELU_UPPER,
    };
    backend.biasActivationForward(
      ActivationKind.rrelu,
      ACTIVATION_ALPHA.rrelu,
      n,
      c,
      x.z,
      withBias ? x.bias : null,
      x.y,
      noise,
    );
  });
}

/** Runs the rrelu training forward over the shape grid, with and without bias. */
function rreluTrainingCases(): RreluTrainingCase[] {
  const rng = new Rng(4000);
  const cases: RreluTrainingCase[] = [];
  for (const withBias of [true, false]) {
    for (const [n, c] of batchShapes()) {
      const initialState = new Rng(rng.nextU32()).state.slice();
      cases.push({
        label: `rrelu training ${withBias ? "with" : "without"} bias n=${n} c=${c}`,
        initialState,
        run: runRreluTraining(rng, n, c, withBias, initialState),
      });
    }
  }
  return cases;
}

test("rrelu training matches reference bitwise", options, () => {
  for (const { label, run } of rreluTrainingCases()) {
    assertIdentical(run.native.slopes, run.reference.slopes, `${label} slopes`);
    assertIdentical(run.native.y, run.reference.y, `${label} y`);
    assertIdentical(run.native.z, run.reference.z, `${label} z`);
    assertIdentical(run.native.rngState, run.reference.rngState, `${label} rngState`);
  }
});

test("rrelu slopes stay within bounds", options, () => {
  const lower = Math.fround(RRELU_LOWER);
  const upper = Math.fround(RRELU_UPPER);
  for (const { label, run } of rreluTrainingCases()) {
    for (const [backendName, buffers] of [
      ["native", run.native],
      ["reference", run.reference],
    ] as const) {
      const outOfRange: number[] = [];
      const notOne: number[] = [];
      for (let i = 0; i < buffers.z.length; i++) {
        const slope = buffers.slopes[i]!;
        if (buffers.z[i]! < 0) {
          if (!(slope >= lower && slope <= upper)) outOfRange.push(i);
        } else if (slope !== 1) {
          notOne.push(i);
        }
      }
      assert.deepEqual(
        outOfRange,
        [],
        `${label} ${backendName}: indices of negative inputs with slopes outside ` +
          `[${lower}, ${upper}]`,
      );
      assert.deepEqual(
        notOne,
        [],
        `${label} ${backendName}: indices of non-negative inputs with slopes other than 1`,
      );
    }
  }
});

test("rrelu draws once per negative", options, () => {
  for (const { label, initialState, run } of rreluTrainingCases()) {
    let negatives = 0;
    for (const z of run.reference.z) if (z < 0) negatives++;
    const expected = new Rng(0);
    expected.state.set(initialState);
    for (let i = 0; i < negatives; i++) expected.nextU32();
    assertIdentical(
      run.native.rngState,
      expected.state,
      `${label} native rngState after ${negatives} draws`,
    );
    assertIdentical(
      run.reference.rngState,
      expected.state,
      `${label} reference rngState after ${negatives} draws`,
    );
  }
});

test("rrelu backward scales by slopes", options, () => {
  const native = nativeBackend();
  const rng = new Rng(4100);
  for (const [n, c] of batchShapes()) {
    const size = n * c;
    const label = `rrelu backward size=${size} (n=${n} c=${c})`;
    const z = activationInputs(rng, size);
    const slopes = uniformArray(rng, size, RRELU_LOWER, RRELU_UPPER);
    for (let i = 0; i < size; i++) if (z[i]! >= 0) slopes[i] = 1;
    const inputs = {
      z,
      y: filledNaN(size),
      dy: normalArray(rng, size),
      dz: filledNaN(size),
      slopes,
      rngState: new Rng(4101).state,
    };
    const run = runOnBoth(native, inputs, (backend, x) => {
      const noise: RreluNoise = {
        slopes: x.slopes,
        rngState: x.rngState,
        lower: RRELU_LOWER,
        upper: RRELU_UPPER,
      };
      backend.activationBackward(ActivationKind.rrelu, 0, size, x.z, x.y, x.dy, x.dz, noise);
    });
    const expected = inputs.dy.map((dy, i) => Math.fround(dy * slopes[i]!));
    assertIdentical(run.native.dz, expected, `${label} native dz`);
    assertIdentical(run.reference.dz, expected, `${label} reference dz`);
  }
});

// ---------------------------------------------------------------- reductions

test("columnSum over batch rows", options, () => {
  const native = nativeBackend();
  const rng = new Rng(5000);
  for (const [n, c] of batchShapes()) {
    const inputs = { x: normalArray(rng, n * c), out: filledNaN(c) };
    const run = runOnBoth(native, inputs, (backend, x) => backend.columnSum(n, c, x.x, x.out));
    // The native sum runs in float32 over n rows.
    assertClose(run.native.out, run.reference.out, sumTolerance(n), `columnSum n=${n} c=${c} out`);
  }
});

test("sumSquares accumulates in float64", options, () => {
  const native = nativeBackend();
  const rng = new Rng(5100);
  // Both backends add exact float64 products; the native kernel sums in 16
  // interleaved lanes, so the two orders differ by a few float64 roundings.
  const tolerance: Tolerance = { rtol: 1e-12, atol: 0 };
  for (const size of FLAT_SIZES) {
    const run = runOnBoth(native, { x: normalArray(rng, size, 0, 2) }, (backend, x) =>
      backend.sumSquares(x.x),
    );
    assertClose([run.nativeResult], [run.referenceResult], tolerance, `sumSquares size=${size}`);
  }
});

test("scale multiplies in place", options, () => {
  const native = nativeBackend();
  const rng = new Rng(5200);
  for (const size of FLAT_SIZES) {
    for (const factor of [0.37, -2.5, 0]) {
      const run = runOnBoth(native, { x: normalArray(rng, size) }, (backend, x) =>
        backend.scale(x.x, factor),
      );
      assertClose(run.native.x, run.reference.x, ELEMENTWISE, `scale size=${size} s=${factor} x`);
    }
  }
});

test("clip clamps including infinities", options, () => {
  const native = nativeBackend();
  const rng = new Rng(5300);
  for (const size of FLAT_SIZES) {
    const x = normalArray(rng, size, 0, 2);
    // Infinities must clamp to the bounds, and NaN must stay NaN in both.
    x.set([Infinity, -Infinity, NaN].slice(0, size));
    const run = runOnBoth(native, { x }, (backend, buffers) => backend.clip(buffers.x, -1, 1.5));
    assertIdentical(run.native.x, run.reference.x, `clip size=${size} lo=-1 hi=1.5 x`);
  }
});

test("allFinite detects NaN and infinities", options, () => {
  const native = nativeBackend();
  const rng = new Rng(5400);
  for (const size of FLAT_SIZES) {
    const x = normalArray(rng, size);
    x[0] = 3.4028234663852886e38; // the largest finite float32
    assert.equal(native.allFinite(x), true, `allFinite size=${size} all finite: native`);
    assert.equal(
      referenceBackend.allFinite(x),
      true,
      `allFinite size=${size} all finite: reference`,
    );
    const positions = [...new Set([0, size >> 1, size - 1])];
    for (const bad of [NaN, Infinity, -Infinity]) {
      for (const position of positions) {
        const planted = x.slice();
        planted[position] = bad;
        const label = `allFinite size=${size} ${bad} at [${position}]`;
        assert.equal(native.allFinite(planted), false, `${label}: native`);
        assert.equal(referenceBackend.allFinite(planted), false, `${label}: reference`);
      }
    }
  }
});

test("gatherRows copies shuffled rows", options, () => {
  const native = nativeBackend();
  const rng = new Rng(5500);
  const rows = 40;
  for (const width of [1, 7, 300, 784]) {
    const src = normalArray(rng, rows * width);
    const indices = Int32Array.from({ length: rows }, (_, i) => i);
    rng.shuffle(indices);
    for (const count of BATCH_SIZES) {
      for (const start of [0, rows - count]) {
        const label = `gatherRows width=${width} start=${start} count=${count}`;
        // One spare row after the batch must stay untouched.
        const inputs = { src, indices, dst: filledNaN((count + 1) * width) };
        const run = runOnBoth(native, inputs, (backend, x) =>
          backend.gatherRows(x.src, width, x.indices, start, count, x.dst),
        );
        assertIdentical(run.native.dst, run.reference.dst, `${label} dst`);
        const spare = run.native.dst.subarray(count * width);
        assert.ok(
          spare.every(Number.isNaN),
          `${label}: native wrote past the ${count} gathered rows`,
        );
      }
    }
  }
});

// ---------------------------------------------------------------- losses

/**
 * Returns logits for n rows of c classes, and labels. Row 0 contains a tie for the max
 * at columns 0 and 1, where both backends must pick column 0 as the argmax.
 */
function crossEntropyInputs(rng: Rng, n: number, c: number, logitStd: number) {
  const logits = normalArray(rng, n * c, 0, logitStd);
  if (c >= 2) {
    const top = Math.max(...logits.subarray(0, c)) + 1;
    logits[0] = top;
    logits[1] = top;
  }
  const labels = Int32Array.from({ length: n }, () => rng.int(c));
  return { logits, labels };
}

/**
 * Logit standard deviations: typical, and large enough that exp(z) overflows
 * float32 without the max shift.
 */
const LOGIT_STDS = [3, 60];
const CROSS_ENTROPY_GRAD_SCALE = 0.5;

for (const withGradient of [true, false]) {
  const testName = `softmaxCrossEntropy ${withGradient ? "with" : "without"} dlogits`;
  test(testName, options, () => {
    const native = nativeBackend();
    const rng = new Rng(6000 + Number(withGradient));
    for (const [n, c] of batchShapes()) {
      for (const logitStd of LOGIT_STDS) {
        const label = `${testName} n=${n} c=${c} logit std=${logitStd}`;
        const inputs = {
          ...crossEntropyInputs(rng, n, c, logitStd),
          dlogits: filledNaN(n * c),
          stats: new Float64Array(2).fill(NaN),
        };
        const run = runOnBoth(native, inputs, (backend, x) =>
          backend.softmaxCrossEntropy(
            n,
            c,
            x.logits,
            x.labels,
            withGradient ? x.dlogits : null,
            CROSS_ENTROPY_GRAD_SCALE,
            x.stats,
          ),
        );
        // The loss sum adds n float64 row losses computed from float32 logits.
        assertClose(
          [run.native.stats[0]!],
          [run.reference.stats[0]!],
          sumTolerance(n),
          `${label} loss sum`,
        );
        assert.equal(run.native.stats[1], run.reference.stats[1], `${label} correct count`);
        if (withGradient) {
          assertClose(run.native.dlogits, run.reference.dlogits, ELEMENTWISE, `${label} dlogits`);
        } else {
          assert.ok(
            run.native.dlogits.every(Number.isNaN),
            `${label}: native wrote dlogits although it was null`,
          );
        }
      }
    }
  });
}

test("softmax normalizes rows", options, () => {
  const native = nativeBackend();
  const rng = new Rng(6100);
  for (const [n, c] of batchShapes()) {
    for (const logitStd of LOGIT_STDS) {
      const inputs = { logits: normalArray(rng, n * c, 0, logitStd), probs: filledNaN(n * c) };
      const run = runOnBoth(native, inputs, (backend, x) =>
        backend.softmax(n, c, x.logits, x.probs),
      );
      assertClose(
        run.native.probs,
        run.reference.probs,
        ELEMENTWISE,
        `softmax n=${n} c=${c} logit std=${logitStd} probs`,
      );
    }
  }
});

const HUBER_DELTA = 1;
const REGRESSION_GRAD_SCALE = 0.5;

/**
 * Returns predictions and targets with errors from N(0, 1.5^2), so errors
 * fall on both sides of Huber's delta. Index 0 has a zero error (where
 * sign(0) = 0) and index 1 an error of exactly delta (the boundary between
 * Huber's branches).
 */
function regressionInputs(rng: Rng, size: number) {
  const pred = normalArray(rng, size);
  const target = pred.map((p) => p + 1.5 * rng.normal());
  if (size >= 2) {
    pred.set([0.25, 0.5]);
    target.set([0.25, 0.5 - HUBER_DELTA]);
  }
  return { pred, target };
}

for (const [name, kind] of Object.entries(RegressionLossKind)) {
  test(`regressionLoss ${name}`, options, () => {
    const native = nativeBackend();
    const rng = new Rng(6200 + kind);
    for (const size of FLAT_SIZES) {
      for (const withGradient of [true, false]) {
        const gradientCase = withGradient ? "with dpred" : "without dpred";
        const label = `regressionLoss ${name} size=${size} ${gradientCase}`;
        const inputs = {
          ...regressionInputs(rng, size),
          dpred: filledNaN(size),
          stats: new Float64Array(3).fill(NaN),
        };
        const run = runOnBoth(native, inputs, (backend, x) =>
          backend.regressionLoss(
            kind,
            HUBER_DELTA,
            size,
            x.pred,
            x.target,
            withGradient ? x.dpred : null,
            REGRESSION_GRAD_SCALE,
            x.stats,
          ),
        );
        // Both sum float64 errors of float32 inputs.
        const tolerance = sumTolerance(size);
        assertClose(
          [run.native.stats[0]!],
          [run.reference.stats[0]!],
          tolerance,
          `${label} loss sum`,
        );
        assertClose(
          [run.native.stats[1]!],
          [run.reference.stats[1]!],
          tolerance,
          `${label} absolute error sum`,
        );
        assertClose(
          [run.native.stats[2]!],
          [run.reference.stats[2]!],
          tolerance,
          `${label} squared error sum`,
        );
        if (withGradient) {
          assertClose(run.native.dpred, run.reference.dpred, ELEMENTWISE, `${label} dpred`);
        } else {
          assert.ok(
            run.native.dpred.every(Number.isNaN),
            `${label}: native wrote dpred although it was null`,
          );
        }
      }
    }
  });
}

// ---------------------------------------------------------------- optimizers

// Learning rates are larger than in training so that an error in the update
// term exceeds the float32 rounding of w.
const OPTIMIZER_STEPS = 3;

/**
 * Returns weights and optimizer state: w from N(0, 1), accumulators as after some
 * steps. Index 0 is a parameter with near-zero gradients (see TINY_GRADIENT),
 * where epsilon dominates the denominators.
 */
function optimizerInputs(rng: Rng, size: number) {
  const inputs = {
    w: normalArray(rng, size),
    velocity: normalArray(rng, size, 0, 0.1),
    m: normalArray(rng, size, 0, 0.5),
    v: uniformArray(rng, size, 0.01, 1),
  };
  inputs.m[0] = TINY_GRADIENT;
  inputs.v[0] = TINY_GRADIENT ** 2;
  return inputs;
}

/** Gradient at index 0 in every step: its square, 1e-12, is below epsilon. */
const TINY_GRADIENT = 1e-6;

function optimizerGradients(rng: Rng, size: number): Float32Array[] {
  return Array.from({ length: OPTIMIZER_STEPS }, () => {
    const g = normalArray(rng, size);
    g[0] = TINY_GRADIENT;
    return g;
  });
}

/**
 * Runs `step` OPTIMIZER_STEPS times on both backends, each continuing from its
 * own state with the same gradients from N(0, 1), and compares `names`.
 */
function compareOptimizer<T extends ReturnType<typeof optimizerInputs>>(
  kernelName: string,
  seed: number,
  names: ReadonlyArray<keyof T & string>,
  step: (backend: Backend, state: T, g: Float32Array, t: number) => void,
): void {
  const native = nativeBackend();
  const rng = new Rng(seed);
  for (const size of FLAT_SIZES) {
    const initial = optimizerInputs(rng, size) as T;
    const gradients = optimizerGradients(rng, size);
    const run = runOnBoth(native, initial, (backend, state) => {
      gradients.forEach((g, t) => step(backend, state, g, t + 1));
    });
    const label = `${kernelName} size=${size} after ${OPTIMIZER_STEPS} steps`;
    assertBuffersClose(run, names, ELEMENTWISE, label);
  }
}

test("sgdUpdate plain", options, () => {
  compareOptimizer("sgdUpdate plain", 7000, ["w"], (backend, s, g) =>
    backend.sgdUpdate(s.w, g, null, 0.1, 0, false),
  );
});

test("sgdUpdate with momentum", options, () => {
  compareOptimizer("sgdUpdate momentum=0.9", 7001, ["w", "velocity"], (backend, s, g) =>
    backend.sgdUpdate(s.w, g, s.velocity, 0.1, 0.9, false),
  );
});

test("sgdUpdate with Nesterov momentum", options, () => {
  compareOptimizer("sgdUpdate nesterov momentum=0.9", 7002, ["w", "velocity"], (backend, s, g) =>
    backend.sgdUpdate(s.w, g, s.velocity, 0.1, 0.9, true),
  );
});

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-7;

test("adamUpdate with bias correction", options, () => {
  const lr = 0.05;
  compareOptimizer("adamUpdate", 7100, ["w", "m", "v"], (backend, s, g, t) => {
    const stepSize = (lr * Math.sqrt(1 - BETA2 ** t)) / (1 - BETA1 ** t);
    backend.adamUpdate(s.w, g, s.m, s.v, stepSize, BETA1, BETA2, EPSILON);
  });
});

/**
 * Nadam's coefficients at step t (1-based), from Keras 3's momentum schedule
 * u_t = beta1 * (1 - 0.5 * 0.96^(0.004 t)).
 */
function nadamCoefficients(t: number): { mCoef: number; gCoef: number; vCoef: number } {
  const u = (step: number) => BETA1 * (1 - 0.5 * 0.96 ** (0.004 * step));
  let product = 1;
  for (let i = 1; i <= t; i++) product *= u(i);
  const nextProduct = product * u(t + 1);
  return {
    mCoef: u(t + 1) / (1 - nextProduct),
    gCoef: (1 - u(t)) / (1 - product),
    vCoef: 1 / (1 - BETA2 ** t),
  };
}

test("nadamUpdate with momentum schedule", options, () => {
  const lr = 0.05;
  compareOptimizer("nadamUpdate", 7200, ["w", "m", "v"], (backend, s, g, t) => {
    const { mCoef, gCoef, vCoef } = nadamCoefficients(t);
    backend.nadamUpdate(s.w, g, s.m, s.v, lr, BETA1, BETA2, EPSILON, mCoef, gCoef, vCoef);
  });
});

test("rmspropUpdate without momentum", options, () => {
  compareOptimizer("rmspropUpdate rho=0.9", 7300, ["w", "v"], (backend, s, g) =>
    backend.rmspropUpdate(s.w, g, s.v, 0.05, 0.9, EPSILON),
  );
});

test("adagradUpdate accumulates squares", options, () => {
  compareOptimizer("adagradUpdate", 7400, ["w", "v"], (backend, s, g) =>
    backend.adagradUpdate(s.w, g, s.v, 0.05, EPSILON),
  );
});

// ---------------------------------------------------------------- batch normalization

const BN_EPSILON = 1e-3;
const BN_MOMENTUM = 0.99;

/**
 * Returns features with per-column offsets in U(-2, 2) and spreads in U(0.1, 2), and
 * batch normalization parameters and moving statistics near their trained
 * ranges.
 */
function batchNormInputs(rng: Rng, n: number, c: number) {
  const offset = uniformArray(rng, c, -2, 2);
  const spread = uniformArray(rng, c, 0.1, 2);
  const x = new Float32Array(n * c);
  for (let i = 0; i < n * c; i++) x[i] = offset[i % c]! + spread[i % c]! * rng.normal();
  return {
    x,
    gamma: uniformArray(rng, c, 0.5, 1.5),
    beta: uniformArray(rng, c, -0.5, 0.5),
    movingMean: uniformArray(rng, c, -1, 1),
    movingVariance: uniformArray(rng, c, 0.5, 2),
  };
}

test("batchNormForwardTrain with moving statistics", options, () => {
  const native = nativeBackend();
  const rng = new Rng(8000);
  for (const [n, c] of batchShapes()) {
    const inputs = {
      ...batchNormInputs(rng, n, c),
      mean: filledNaN(c),
      invStd: filledNaN(c),
      xhat: filledNaN(n * c),
      y: filledNaN(n * c),
    };
    const run = runOnBoth(native, inputs, (backend, b) =>
      backend.batchNormForwardTrain(
        n, c, b.x, b.gamma, b.beta, BN_EPSILON, BN_MOMENTUM,
        b.movingMean, b.movingVariance, b.mean, b.invStd, b.xhat, b.y,
      ),
    );
    assertBuffersClose(
      run,
      ["mean", "invStd", "xhat", "y", "movingMean", "movingVariance"],
      ELEMENTWISE,
      `batchNormForwardTrain n=${n} c=${c}`,
    );
  }
});

test("batchNormForwardInference uses moving statistics", options, () => {
  const native = nativeBackend();
  const rng = new Rng(8100);
  for (const [n, c] of batchShapes()) {
    const inputs = { ...batchNormInputs(rng, n, c), y: filledNaN(n * c) };
    const run = runOnBoth(native, inputs, (backend, b) =>
      backend.batchNormForwardInference(
        n, c, b.x, b.gamma, b.beta, BN_EPSILON, b.movingMean, b.movingVariance, b.y,
      ),
    );
    assertBuffersClose(run, ["y"], ELEMENTWISE, `batchNormForwardInference n=${n} c=${c}`);
  }
});

test("batchNormBackward gradients", options, () => {
  const native = nativeBackend();
  const rng = new Rng(8200);
  for (const [n, c] of batchShapes()) {
    // xhat and invStd come from the reference forward pass on fresh features.
    const forward = batchNormInputs(rng, n, c);
    const xhat = new Float32Array(n * c);
    const invStd = new Float32Array(c);
    referenceBackend.batchNormForwardTrain(
      n, c, forward.x, forward.gamma, forward.beta, BN_EPSILON, BN_MOMENTUM,
      forward.movingMean, forward.movingVariance, new Float32Array(c), invStd, xhat,
      new Float32Array(n * c),
    );
    const inputs = {
      dy: normalArray(rng, n * c),
      xhat,
      gamma: forward.gamma,
      invStd,
      dx: filledNaN(n * c),
      dgamma: filledNaN(c),
      dbeta: filledNaN(c),
    };
    const run = runOnBoth(native, inputs, (backend, b) =>
      backend.batchNormBackward(n, c, b.dy, b.xhat, b.gamma, b.invStd, b.dx, b.dgamma, b.dbeta),
    );
    const label = `batchNormBackward n=${n} c=${c}`;
    assertBuffersClose(run, ["dx", "dgamma", "dbeta"], ELEMENTWISE, label);
  }
});
