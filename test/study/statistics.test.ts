/**
 * Tests of the study statistics against independently computed values.
 * The references are published Student t critical values, closed forms of
 * the t distribution for 1, 2 and 3 degrees of freedom, a Welch example
 * worked by hand, and a p-value from numerically integrating the t density.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  confidenceInterval,
  logGamma,
  mean,
  median,
  regularizedIncompleteBeta,
  sampleVariance,
  studentTCdf,
  studentTQuantile,
  welchTTest,
} from "../../src/study/statistics.js";

function assertClose(actual: number, expected: number, tolerance: number, label: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${label}: ${actual} differs from ${expected} by more than ${tolerance}`);
}

describe("mean and variance", () => {
  it("match hand computation", () => {
    assert.equal(mean([1, 2, 3, 4, 5]), 3);
    assert.equal(sampleVariance([1, 2, 3, 4, 5]), 2.5);
    assertClose(sampleVariance([2, 4, 6, 8]), 20 / 3, 1e-12, "variance");
  });

  it("are NaN on too few values", () => {
    assert.ok(Number.isNaN(mean([])));
    assert.ok(Number.isNaN(sampleVariance([1])));
  });

  it("median handles odd and even counts", () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });
});

describe("logGamma", () => {
  it("matches known gamma values", () => {
    assertClose(logGamma(5), Math.log(24), 1e-12, "Γ(5)");
    assertClose(logGamma(0.5), Math.log(Math.sqrt(Math.PI)), 1e-12, "Γ(1/2)");
    assertClose(logGamma(10.5), Math.log(1133278.3889487855), 1e-10, "Γ(10.5)");
  });
});

describe("regularizedIncompleteBeta", () => {
  it("matches closed forms", () => {
    // I_x(1, b) = 1 - (1 - x)^b and I_x(a, 1) = x^a.
    assertClose(regularizedIncompleteBeta(0.3, 1, 4), 1 - 0.7 ** 4, 1e-12, "I_0.3(1,4)");
    assertClose(regularizedIncompleteBeta(0.6, 2.5, 1), 0.6 ** 2.5, 1e-12, "I_0.6(2.5,1)");
    assert.equal(regularizedIncompleteBeta(0, 2, 3), 0);
    assert.equal(regularizedIncompleteBeta(1, 2, 3), 1);
  });

  it("rejects invalid arguments", () => {
    assert.throws(() => regularizedIncompleteBeta(1.5, 1, 1), RangeError);
    assert.throws(() => regularizedIncompleteBeta(0.5, 0, 1), RangeError);
  });
});

describe("studentTCdf", () => {
  it("matches closed forms for df 1, 2 and 3", () => {
    for (const t of [-4, -1.3, 0, 0.7, 2.5, 12]) {
      assertClose(studentTCdf(t, 1), 0.5 + Math.atan(t) / Math.PI, 1e-12, `df 1, t ${t}`);
      assertClose(studentTCdf(t, 2), 0.5 + t / (2 * Math.sqrt(2 + t * t)), 1e-12, `df 2, t ${t}`);
      const u = t / Math.sqrt(3);
      const df3 = 0.5 + (u / (1 + u * u) + Math.atan(u)) / Math.PI;
      assertClose(studentTCdf(t, 3), df3, 1e-12, `df 3, t ${t}`);
    }
  });

  it("handles infinite t", () => {
    assert.equal(studentTCdf(Infinity, 4), 1);
    assert.equal(studentTCdf(-Infinity, 4), 0);
  });
});

describe("studentTQuantile", () => {
  // Two-sided 95% critical values t(0.975, df) from standard tables.
  const table: Array<[number, number]> = [
    [1, 12.706204736],
    [2, 4.302652730],
    [3, 3.182446305],
    [4, 2.776445105],
    [5, 2.570581836],
    [9, 2.262157163],
    [10, 2.228138852],
    [30, 2.042272456],
    [100, 1.983971519],
  ];
  for (const [df, expected] of table) {
    it(`t(0.975, ${df}) is ${expected}`, () => {
      assertClose(studentTQuantile(0.975, df), expected, 1e-8, `df ${df}`);
    });
  }

  it("approaches the normal quantile", () => {
    assertClose(studentTQuantile(0.975, 1e7), 1.959963985, 1e-6, "df 1e7");
  });

  it("is antisymmetric", () => {
    assertClose(studentTQuantile(0.025, 7), -studentTQuantile(0.975, 7), 1e-12, "df 7");
    assert.equal(studentTQuantile(0.5, 7), 0);
  });
});

describe("confidenceInterval", () => {
  it("uses the Student t critical value", () => {
    const ci = confidenceInterval([1, 2, 3, 4, 5]);
    // mean 3, s = sqrt(2.5), half-width = t(0.975, 4) * s / sqrt(5)
    const expected = 2.776445105 * Math.sqrt(2.5) / Math.sqrt(5);
    assert.equal(ci.n, 5);
    assert.equal(ci.mean, 3);
    assertClose(ci.halfWidth!, expected, 1e-8, "half-width");
    assertClose(ci.low!, 3 - expected, 1e-8, "low");
    assertClose(ci.high!, 3 + expected, 1e-8, "high");
  });

  it("has no interval for one value", () => {
    const ci = confidenceInterval([0.85]);
    assert.equal(ci.mean, 0.85);
    assert.equal(ci.halfWidth, undefined);
  });
});

describe("welchTTest", () => {
  // a has mean 3, variance 2.5 and n 5. b has mean 5, variance 20/3 and n 4.
  // va = 2.5/5 = 1/2, vb = (20/3)/4 = 5/3, va + vb = 13/6.
  // t = (3 - 5) / sqrt(13/6), df = (13/6)^2 / ((1/2)^2/4 + (5/3)^2/3).
  const a = [1, 2, 3, 4, 5];
  const b = [2, 4, 6, 8];
  const expectedT = -2 / Math.sqrt(13 / 6);
  const expectedDf = (13 / 6) ** 2 / (0.25 / 4 + 25 / 9 / 3);

  it("computes t and the Welch–Satterthwaite df", () => {
    const result = welchTTest(a, b);
    assertClose(result.meanDifference, -2, 1e-12, "difference");
    assertClose(result.t, expectedT, 1e-12, "t");
    assertClose(result.df, expectedDf, 1e-12, "df");
    assertClose(result.t, -1.358732441, 1e-8, "t by hand");
    assertClose(result.df, 4.7494145, 1e-6, "df by hand");
  });

  it("p matches integration of the t density", () => {
    const result = welchTTest(a, b);
    const expected = 1 - 2 * integrateTDensity(Math.abs(expectedT), expectedDf);
    assertClose(result.p, expected, 1e-9, "p");
    assert.ok(result.p > 0.05, `p ${result.p} should not be significant`);
  });

  it("finds a clear difference significant", () => {
    const result = welchTTest([0.85, 0.86, 0.855, 0.858], [0.10, 0.11, 0.105, 0.1]);
    assert.ok(result.p < 1e-6, `p ${result.p}`);
  });

  it("is symmetric in its samples", () => {
    const forward = welchTTest(a, b);
    const backward = welchTTest(b, a);
    assertClose(forward.p, backward.p, 1e-15, "p");
    assertClose(forward.t, -backward.t, 1e-15, "t");
  });

  it("handles zero variance on both sides", () => {
    assert.equal(welchTTest([0.5, 0.5, 0.5], [0.5, 0.5, 0.5]).p, 1);
    assert.equal(welchTTest([0.5, 0.5, 0.5], [0.25, 0.25, 0.25]).p, 0);
  });

  it("rejects samples of one value", () => {
    assert.throws(() => welchTTest([1], [1, 2]), RangeError);
  });
});

/** ∫_0^x of the Student t density with df degrees of freedom, by Simpson's rule. */
function integrateTDensity(x: number, df: number): number {
  const logNorm = logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI);
  const density = (u: number) => Math.exp(logNorm - ((df + 1) / 2) * Math.log1p((u * u) / df));
  const intervals = 20000;
  const h = x / intervals;
  let sum = density(0) + density(x);
  for (let i = 1; i < intervals; i++) sum += density(i * h) * (i % 2 === 1 ? 4 : 2);
  return (sum * h) / 3;
}
