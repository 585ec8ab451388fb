/**
 * Tests of the Keras 3 weight initializers: sample statistics against the
 * formulas, bounds, orthogonality, reproducibility, pinned Keras defaults,
 * parse errors and fan computation.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { Rng } from "../../src/engine/rng.js";
import { ConfigError } from "../../src/errors.js";
import {
  computeFans,
  INITIALIZER_DEFAULTS,
  INITIALIZER_IDS,
  initialize,
  orthonormalFactor,
  parseInitializer,
  TRUNCATED_STDDEV_FACTOR,
  VARIANCE_SCALING_PRESETS,
  type InitializerConfig,
  type InitializerId,
} from "../../src/nn/initializers.js";

const SEED = 1234;
const FAN_IN = 784;
const FAN_OUT = 300;
const KERNEL_SHAPE = [FAN_IN, FAN_OUT];
const FAN_AVG = (FAN_IN + FAN_OUT) / 2;
// Standard deviation of a standard normal truncated to [-2, 2], computed
// independently of the implementation's constant.
const TRUNCATED_FACTOR = truncatedStandardDeviation();

interface Stats {
  mean: number;
  variance: number;
  min: number;
  max: number;
}

function stats(values: Float32Array): Stats {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const x of values) {
    sum += x;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  const mean = sum / values.length;
  let squares = 0;
  for (const x of values) squares += (x - mean) ** 2;
  return { mean, variance: squares / (values.length - 1), min, max };
}

/** Returns sqrt(1 - 2·2·φ(2) / (2Φ(2) - 1)) by numerical integration. */
function truncatedStandardDeviation(): number {
  const steps = 200000;
  const h = 4 / steps;
  let mass = 0;
  let second = 0;
  for (let i = 0; i < steps; i++) {
    const z = -2 + (i + 0.5) * h;
    const density = Math.exp((-z * z) / 2);
    mass += density;
    second += z * z * density;
  }
  return Math.sqrt(second / mass);
}

function draw(spec: string | InitializerConfig, shape = KERNEL_SHAPE, seed = SEED): Float32Array {
  return initialize(parseInitializer(spec), shape, new Rng(seed));
}

function assertMean(s: Stats, expectedMean: number, expectedVariance: number, n: number): void {
  const standardError = Math.sqrt(expectedVariance / n);
  assert.ok(
    Math.abs(s.mean - expectedMean) <= 4 * standardError,
    `mean ${s.mean} is more than 4 standard errors (${standardError}) from ${expectedMean}`,
  );
}

function assertVariance(s: Stats, expectedVariance: number): void {
  const relative = Math.abs(s.variance / expectedVariance - 1);
  const percent = (relative * 100).toFixed(2);
  assert.ok(relative <= 0.03, `variance ${s.variance} differs from ${expectedVariance} by ${percent}%`);
}

/** Checks that every |x| <= bound and that the extremes come within 2% of it. */
function assertBounds(s: Stats, bound: number): void {
  const limit = Math.fround(bound);
  assert.ok(s.max <= limit, `max ${s.max} exceeds ${limit}`);
  assert.ok(s.min >= -limit, `min ${s.min} is below ${-limit}`);
  assert.ok(s.max >= 0.98 * bound, `max ${s.max} is not near ${bound}`);
  assert.ok(s.min <= -0.98 * bound, `min ${s.min} is not near ${-bound}`);
}

type Family = "truncated" | "normal" | "uniform";

interface RandomCase {
  spec: string;
  family: Family;
  variance: number;
  shape?: number[];
}

// Expected variances come from the formulas, not from the implementation.
const RANDOM_CASES: RandomCase[] = [
  { spec: "random_normal", family: "normal", variance: 0.05 ** 2 },
  { spec: "random_normal:0:0.1", family: "normal", variance: 0.1 ** 2 },
  { spec: "random_uniform", family: "uniform", variance: 0.1 ** 2 / 12 },
  { spec: "truncated_normal", family: "truncated", variance: (0.05 * TRUNCATED_FACTOR) ** 2 },
  { spec: "glorot_normal", family: "truncated", variance: 1 / FAN_AVG },
  { spec: "glorot_uniform", family: "uniform", variance: 1 / FAN_AVG },
  { spec: "he_normal", family: "truncated", variance: 2 / FAN_IN },
  { spec: "he_uniform", family: "uniform", variance: 2 / FAN_IN },
  { spec: "lecun_normal", family: "truncated", variance: 1 / FAN_IN },
  { spec: "lecun_uniform", family: "uniform", variance: 1 / FAN_IN },
  { spec: "variance_scaling", family: "truncated", variance: 1 / FAN_IN },
  { spec: "variance_scaling:3:fan_out:truncated_normal", family: "truncated", variance: 3 / FAN_OUT },
  { spec: "variance_scaling:0.5:fan_avg:untruncated_normal", family: "normal", variance: 0.5 / FAN_AVG },
  { spec: "variance_scaling:2:fan_avg:uniform", family: "uniform", variance: 2 / FAN_AVG },
  { spec: "variance_scaling:1:fan_in:normal", family: "truncated", variance: 1 / FAN_IN },
  // A 3×3 convolution kernel with 64 input and 128 output channels has fan_in 576.
  { spec: "he_normal", family: "truncated", variance: 2 / 576, shape: [3, 3, 64, 128] },
];

describe("random initializers", () => {
  for (const { spec, family, variance, shape = KERNEL_SHAPE } of RANDOM_CASES) {
    it(`${spec} on [${shape.join(", ")}]`, () => {
      const values = draw(spec, shape);
      const s = stats(values);
      assertMean(s, 0, variance, values.length);
      assertVariance(s, variance);
      if (family === "truncated") {
        // The realized standard deviation is the pre-truncation one times the factor.
        assertBounds(s, (2 * Math.sqrt(variance)) / TRUNCATED_FACTOR);
      } else if (family === "uniform") {
        // U(-limit, limit) has variance limit² / 3.
        assertBounds(s, Math.sqrt(3 * variance));
      } else {
        // 235200 untruncated normal draws almost surely exceed 4 standard deviations.
        assert.ok(s.max > 4 * Math.sqrt(variance), `max ${s.max} suggests truncation`);
      }
    });
  }

  it("random_normal with nonzero mean", () => {
    const values = draw("random_normal:3:0.5");
    const s = stats(values);
    assertMean(s, 3, 0.25, values.length);
    assertVariance(s, 0.25);
  });

  it("truncated_normal bounds around the mean", () => {
    const s = stats(draw({ id: "truncated_normal", mean: 1, stddev: 0.2 }));
    assert.ok(s.max <= 1.4, `max ${s.max}`);
    assert.ok(s.min >= 0.6, `min ${s.min}`);
    assert.ok(s.max > 1.39, `max ${s.max}`);
    assert.ok(s.min < 0.61, `min ${s.min}`);
  });

  it("random_uniform with asymmetric range", () => {
    const values = draw({ id: "random_uniform", minval: 0, maxval: 1 });
    const s = stats(values);
    assertMean(s, 0.5, 1 / 12, values.length);
    assertVariance(s, 1 / 12);
    assert.ok(s.min >= 0, `min ${s.min}`);
    assert.ok(s.max <= 1, `max ${s.max}`);
  });

  it("bias shape uses fan_in = fan_out = units", () => {
    const values = draw("glorot_uniform", [20000]);
    const s = stats(values);
    assertVariance(s, 1 / 20000);
    assertBounds(s, Math.sqrt(3 / 20000));
  });

  it("empty shape gives an empty array", () => {
    assert.equal(draw("he_normal", [0, 5]).length, 0);
    assert.equal(draw("orthogonal", [5, 0]).length, 0);
  });

  it("scalar shape gives one value", () => {
    assert.equal(draw("he_normal", []).length, 1);
  });
});

describe("constant initializers", () => {
  it("zeros is exact", () => {
    const values = draw("zeros");
    assert.equal(values.length, FAN_IN * FAN_OUT);
    assert.ok(values.every((x) => x === 0));
  });

  it("ones is exact", () => {
    assert.ok(draw("ones").every((x) => x === 1));
  });

  it("constant is exact", () => {
    assert.ok(draw("constant:0.5").every((x) => x === 0.5));
    assert.ok(draw({ id: "constant", value: -2 }, [7]).every((x) => x === -2));
  });

  it("constant defaults to 0", () => {
    assert.ok(draw("constant", [10]).every((x) => x === 0));
  });

  it("constants leave the rng untouched", () => {
    const rng = new Rng(SEED);
    initialize({ id: "ones" }, [10], rng);
    assert.equal(rng.nextU32(), new Rng(SEED).nextU32());
  });
});

/** Returns max |G - gain²·I| where G = WᵀW (columns) or WWᵀ (rows), in float64. */
function maxGramError(w: Float32Array, rows: number, cols: number, gain: number): number {
  const byColumns = cols <= rows;
  const size = byColumns ? cols : rows;
  const inner = byColumns ? rows : cols;
  const at = (outer: number, k: number): number => (byColumns ? w[k * cols + outer]! : w[outer * cols + k]!);
  let worst = 0;
  for (let p = 0; p < size; p++) {
    for (let q = p; q < size; q++) {
      let dot = 0;
      for (let k = 0; k < inner; k++) dot += at(p, k) * at(q, k);
      const expected = p === q ? gain * gain : 0;
      worst = Math.max(worst, Math.abs(dot - expected));
    }
  }
  return worst;
}

describe("orthogonal initializer", () => {
  const cases: { shape: number[]; gain: number; rows: number; cols: number }[] = [
    { shape: [784, 300], gain: 1, rows: 784, cols: 300 },
    { shape: [300, 784], gain: 1, rows: 300, cols: 784 },
    { shape: [64, 64], gain: 1, rows: 64, cols: 64 },
    { shape: [784, 300], gain: 2, rows: 784, cols: 300 },
    { shape: [50, 120], gain: 0.5, rows: 50, cols: 120 },
    // Higher rank flattens all but the last dimension: 3·3·16 = 144 rows.
    { shape: [3, 3, 16, 32], gain: 1, rows: 144, cols: 32 },
  ];
  for (const { shape, gain, rows, cols } of cases) {
    it(`[${shape.join(", ")}] gain ${gain} is orthogonal`, () => {
      const w = draw({ id: "orthogonal", gain }, shape);
      assert.equal(w.length, rows * cols);
      const error = maxGramError(w, rows, cols, gain);
      assert.ok(error <= 1e-4, `max Gram error ${error}`);
    });
  }

  it("784x300 entry variance is gain²/784", () => {
    // Each column has squared norm gain², spread over 784 entries.
    const values = draw("orthogonal:1.5");
    const s = stats(values);
    assertMean(s, 0, 2.25 / FAN_IN, values.length);
    assertVariance(s, 2.25 / FAN_IN);
  });

  it("sign correction makes entries unbiased", () => {
    // Without the correction by the sign of diag(R), Householder QR makes
    // W[0][0] = -|a00| / ‖a0‖ always, with a mean near -0.29 for 8×8.
    const trials = 400;
    let sum = 0;
    let positive = 0;
    for (let seed = 0; seed < trials; seed++) {
      const w00 = draw("orthogonal", [8, 8], seed)[0]!;
      sum += w00;
      if (w00 > 0) positive++;
    }
    const mean = sum / trials;
    // E[W00²] = 1/8 for a Haar orthogonal matrix, so the standard error is sqrt(1/8/400).
    assert.ok(Math.abs(mean) <= 4 * Math.sqrt(1 / 8 / trials), `mean of W[0][0] ${mean}`);
    assert.ok(positive > trials * 0.4, `only ${positive} of ${trials} positive`);
    assert.ok(positive < trials * 0.6, `${positive} of ${trials} positive`);
  });

  it("QR factor has the positive-diagonal R", () => {
    // A = QR with R upper triangular and diag(R) > 0 is unique, so QᵀA must be
    // upper triangular with a positive diagonal.
    const m = 6;
    const n = 4;
    const rng = new Rng(7);
    const a = Float64Array.from({ length: m * n }, () => rng.normal());
    const q = orthonormalFactor(Float64Array.from(a), m, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let r = 0;
        for (let k = 0; k < m; k++) r += q[k * n + i]! * a[k * n + j]!;
        if (i > j) assert.ok(Math.abs(r) < 1e-12, `R[${i}][${j}] = ${r}`);
        if (i === j) assert.ok(r > 0, `R[${i}][${i}] = ${r}`);
      }
    }
  });

  it("rank 1 shape is rejected", () => {
    assert.throws(() => draw("orthogonal", [10]), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /invalid shape: \[10\]/);
      assert.match(error.message, /at least 2 dimensions/);
      return true;
    });
  });
});

describe("reproducibility", () => {
  for (const id of INITIALIZER_IDS) {
    it(`${id} repeats with the same seed`, () => {
      const first = draw(id, [40, 30], 99);
      const second = draw(id, [40, 30], 99);
      assert.deepEqual(first, second);
    });
  }

  const randomIds = INITIALIZER_IDS.filter((id) => !["zeros", "ones", "constant"].includes(id));
  for (const id of randomIds) {
    it(`${id} differs with another seed`, () => {
      assert.notDeepEqual(draw(id, [40, 30], 99), draw(id, [40, 30], 100));
    });
  }

  it("presets equal their variance_scaling form", () => {
    const forms: Record<string, string> = {
      glorot_normal: "variance_scaling:1:fan_avg:truncated_normal",
      glorot_uniform: "variance_scaling:1:fan_avg:uniform",
      he_normal: "variance_scaling:2:fan_in:truncated_normal",
      he_uniform: "variance_scaling:2:fan_in:uniform",
      lecun_normal: "variance_scaling:1:fan_in:truncated_normal",
      lecun_uniform: "variance_scaling:1:fan_in:uniform",
    };
    for (const [id, form] of Object.entries(forms)) {
      assert.deepEqual(draw(id, [40, 30]), draw(form, [40, 30]), id);
    }
  });
});

describe("Keras defaults", () => {
  // Keras 3 keras/src/initializers: constructor defaults and the fixed
  // arguments that each VarianceScaling subclass passes.
  const expected: Record<InitializerId, InitializerConfig> = {
    zeros: { id: "zeros" },
    ones: { id: "ones" },
    constant: { id: "constant", value: 0 },
    random_normal: { id: "random_normal", mean: 0, stddev: 0.05 },
    random_uniform: { id: "random_uniform", minval: -0.05, maxval: 0.05 },
    truncated_normal: { id: "truncated_normal", mean: 0, stddev: 0.05 },
    glorot_normal: { id: "glorot_normal" },
    glorot_uniform: { id: "glorot_uniform" },
    he_normal: { id: "he_normal" },
    he_uniform: { id: "he_uniform" },
    lecun_normal: { id: "lecun_normal" },
    lecun_uniform: { id: "lecun_uniform" },
    orthogonal: { id: "orthogonal", gain: 1 },
    variance_scaling: { id: "variance_scaling", scale: 1, mode: "fan_in", distribution: "truncated_normal" },
  };

  it("id list matches the table", () => {
    assert.deepEqual([...INITIALIZER_IDS].sort(), Object.keys(expected).sort());
  });

  for (const id of INITIALIZER_IDS) {
    it(`${id} parses to Keras defaults`, () => {
      assert.deepEqual(parseInitializer(id), expected[id]);
      assert.deepEqual({ id, ...INITIALIZER_DEFAULTS[id] }, expected[id]);
    });
  }

  it("presets pin scale, mode and distribution", () => {
    assert.deepEqual(VARIANCE_SCALING_PRESETS, {
      glorot_normal: { scale: 1, mode: "fan_avg", distribution: "truncated_normal" },
      glorot_uniform: { scale: 1, mode: "fan_avg", distribution: "uniform" },
      he_normal: { scale: 2, mode: "fan_in", distribution: "truncated_normal" },
      he_uniform: { scale: 2, mode: "fan_in", distribution: "uniform" },
      lecun_normal: { scale: 1, mode: "fan_in", distribution: "truncated_normal" },
      lecun_uniform: { scale: 1, mode: "fan_in", distribution: "uniform" },
    });
  });

  it("truncation factor matches the integral", () => {
    assert.ok(Math.abs(TRUNCATED_FACTOR - 0.87962566103423978) < 1e-9, `${TRUNCATED_FACTOR}`);
    assert.ok(Math.abs(TRUNCATED_STDDEV_FACTOR - TRUNCATED_FACTOR) < 1e-9, `${TRUNCATED_STDDEV_FACTOR}`);
  });
});

describe("parseInitializer", () => {
  it("compact forms", () => {
    assert.deepEqual(parseInitializer("variance_scaling:2:fan_avg:uniform"), {
      id: "variance_scaling",
      scale: 2,
      mode: "fan_avg",
      distribution: "uniform",
    });
    assert.deepEqual(parseInitializer("constant:0.5"), { id: "constant", value: 0.5 });
    assert.deepEqual(parseInitializer("random_normal:0:0.1"), { id: "random_normal", mean: 0, stddev: 0.1 });
    assert.deepEqual(parseInitializer("orthogonal:1.0"), { id: "orthogonal", gain: 1 });
  });

  it("empty compact parameter keeps default", () => {
    assert.deepEqual(parseInitializer("variance_scaling::fan_out"), {
      id: "variance_scaling",
      scale: 1,
      mode: "fan_out",
      distribution: "truncated_normal",
    });
    assert.deepEqual(parseInitializer("random_normal::0.2"), { id: "random_normal", mean: 0, stddev: 0.2 });
  });

  it("explicit zeros survive defaults", () => {
    assert.deepEqual(parseInitializer({ id: "orthogonal", gain: 0 }), { id: "orthogonal", gain: 0 });
    assert.equal(parseInitializer({ id: "random_uniform", minval: 0, maxval: 1 }).minval, 0);
    assert.equal(parseInitializer({ id: "random_normal", mean: 0, stddev: 1 }).mean, 0);
  });

  it("normal distribution becomes truncated_normal", () => {
    assert.equal(parseInitializer("variance_scaling:1:fan_in:normal").distribution, "truncated_normal");
    assert.equal(parseInitializer("variance_scaling:1:fan_in:Uniform").distribution, "uniform");
  });

  it("Keras aliases and class names", () => {
    assert.deepEqual(parseInitializer("normal"), { id: "random_normal", mean: 0, stddev: 0.05 });
    assert.deepEqual(parseInitializer("uniform"), { id: "random_uniform", minval: -0.05, maxval: 0.05 });
    assert.deepEqual(parseInitializer("zero"), { id: "zeros" });
    assert.deepEqual(parseInitializer("one"), { id: "ones" });
    assert.deepEqual(parseInitializer("GlorotUniform"), { id: "glorot_uniform" });
    assert.deepEqual(parseInitializer("Orthogonal:2"), { id: "orthogonal", gain: 2 });
  });

  it("result parses to itself", () => {
    const specs = ["he_normal", "variance_scaling:2:fan_avg:normal", "random_uniform:-1:1", "constant:3"];
    for (const spec of specs) {
      const once = parseInitializer(spec);
      assert.deepEqual(parseInitializer(once), once, spec);
    }
  });

  it("undefined fields count as unset", () => {
    assert.deepEqual(parseInitializer({ id: "he_normal", scale: undefined }), { id: "he_normal" });
  });

  interface ErrorCase {
    name: string;
    spec: unknown;
    field?: string;
    message: string;
    allowed: RegExp;
  }

  const errorCases: ErrorCase[] = [
    {
      name: "unknown id",
      spec: "glorot",
      message: 'invalid kernelInitializer: "glorot"',
      allowed: /one of zeros, ones, constant, .*orthogonal, variance_scaling/,
    },
    {
      name: "unknown id in compact form",
      spec: "xavier:1",
      field: "biasInitializer",
      message: 'invalid biasInitializer: "xavier:1"',
      allowed: /one of zeros, ones/,
    },
    {
      name: "unknown id in object",
      spec: { id: "he" },
      message: 'invalid kernelInitializer.id: "he"',
      allowed: /one of zeros, ones/,
    },
    {
      name: "prototype key as id",
      spec: "constructor",
      message: 'invalid kernelInitializer: "constructor"',
      allowed: /one of zeros/,
    },
    {
      name: "zero scale",
      spec: "variance_scaling:0",
      message: "invalid kernelInitializer.scale: 0",
      allowed: /a finite number > 0/,
    },
    {
      name: "negative scale",
      spec: { id: "variance_scaling", scale: -1 },
      message: "invalid kernelInitializer.scale: -1",
      allowed: /a finite number > 0/,
    },
    {
      name: "non-numeric scale",
      spec: "variance_scaling:abc",
      message: 'invalid kernelInitializer.scale: "abc"',
      allowed: /a finite number > 0/,
    },
    {
      name: "unknown mode",
      spec: "variance_scaling:1:fan_sum",
      message: 'invalid kernelInitializer.mode: "fan_sum"',
      allowed: /one of fan_in, fan_out, fan_avg/,
    },
    {
      name: "unknown distribution",
      spec: "variance_scaling:1:fan_in:cauchy",
      message: 'invalid kernelInitializer.distribution: "cauchy"',
      allowed: /one of truncated_normal, untruncated_normal, uniform, normal/,
    },
    {
      name: "zero stddev",
      spec: "random_normal:0:0",
      message: "invalid kernelInitializer.stddev: 0",
      allowed: /a finite number > 0/,
    },
    {
      name: "negative stddev",
      spec: { id: "truncated_normal", stddev: -0.1 },
      message: "invalid kernelInitializer.stddev: -0.1",
      allowed: /a finite number > 0/,
    },
    {
      name: "minval equal to maxval",
      spec: "random_uniform:1:1",
      message: "invalid kernelInitializer.minval: 1",
      allowed: /a number < maxval 1/,
    },
    {
      name: "minval above maxval",
      spec: { id: "random_uniform", minval: 0.5, maxval: -0.5 },
      message: "invalid kernelInitializer.minval: 0.5",
      allowed: /a number < maxval -0.5/,
    },
    {
      name: "minval above default maxval",
      spec: { id: "random_uniform", minval: 0.1 },
      message: "invalid kernelInitializer.minval: 0.1",
      allowed: /a number < maxval 0.05/,
    },
    {
      name: "infinite gain",
      spec: { id: "orthogonal", gain: Infinity },
      message: "invalid kernelInitializer.gain: Infinity",
      allowed: /a finite number/,
    },
    {
      name: "too many compact parameters",
      spec: "constant:1:2",
      message: 'invalid kernelInitializer: "constant:1:2"',
      allowed: /at most 1 parameter: constant:VALUE/,
    },
    {
      name: "parameters on a preset",
      spec: "he_normal:2",
      message: 'invalid kernelInitializer: "he_normal:2"',
      allowed: /"he_normal" with no parameters/,
    },
    {
      name: "inapplicable parameter",
      spec: { id: "glorot_uniform", scale: 2 },
      message: "invalid kernelInitializer.scale: 2",
      allowed: /unset, because glorot_uniform takes no parameters/,
    },
    {
      name: "misspelled parameter",
      spec: { id: "random_normal", stdev: 0.1 },
      message: "invalid kernelInitializer.stdev: 0.1",
      allowed: /unset, because random_normal takes only mean, stddev/,
    },
    {
      name: "spec of wrong type",
      spec: 42,
      message: "invalid kernelInitializer: 42",
      allowed: /an initializer id string or a config object/,
    },
  ];

  for (const { name, spec, field, message, allowed } of errorCases) {
    it(`rejects ${name}`, () => {
      const parse = (): InitializerConfig =>
        field === undefined
          ? parseInitializer(spec as InitializerConfig)
          : parseInitializer(spec as InitializerConfig, field);
      assert.throws(parse, (error: unknown) => {
        assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
        assert.ok(error.message.startsWith(message), `message ${JSON.stringify(error.message)}`);
        assert.match(error.message, allowed);
        return true;
      });
    });
  }

  it("initialize validates its config", () => {
    assert.throws(
      () => initialize({ id: "random_normal", stddev: 0 }, [2, 2], new Rng(1)),
      /invalid initializer\.stddev: 0/,
    );
  });

  it("initialize rejects a bad shape", () => {
    assert.throws(() => initialize({ id: "zeros" }, [2, -1], new Rng(1)), /invalid shape: \[2,-1\]/);
    assert.throws(() => initialize({ id: "zeros" }, [2.5], new Rng(1)), /invalid shape: \[2\.5\]/);
  });
});

describe("computeFans", () => {
  it("scalar shape", () => {
    assert.deepEqual(computeFans([]), { fanIn: 1, fanOut: 1 });
  });

  it("1-D shape", () => {
    assert.deepEqual(computeFans([300]), { fanIn: 300, fanOut: 300 });
  });

  it("2-D shape", () => {
    assert.deepEqual(computeFans([784, 300]), { fanIn: 784, fanOut: 300 });
  });

  it("3-D shape", () => {
    assert.deepEqual(computeFans([5, 16, 32]), { fanIn: 80, fanOut: 160 });
  });

  it("4-D shape", () => {
    // Receptive field 3·3 = 9 times the input and output channels.
    assert.deepEqual(computeFans([3, 3, 64, 128]), { fanIn: 576, fanOut: 1152 });
  });

  it("empty dimension", () => {
    assert.deepEqual(computeFans([0, 5]), { fanIn: 0, fanOut: 5 });
  });
});
