/**
 * Small-sample statistics for comparing study variants: mean, sample
 * variance, Student t confidence intervals and Welch's unequal-variance
 * t-test. The Student t distribution function is computed from the
 * regularized incomplete beta function, so no table limits the degrees of
 * freedom and Welch's fractional degrees of freedom work too.
 */

export function mean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Returns the unbiased sample variance (divided by n - 1), or NaN for fewer than 2 values. */
export function sampleVariance(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return NaN;
  const m = mean(values);
  let sum = 0;
  for (const v of values) sum += (v - m) * (v - m);
  return sum / (n - 1);
}

export function sampleStd(values: readonly number[]): number {
  return Math.sqrt(sampleVariance(values));
}

/** Computes the natural log of the gamma function (Lanczos approximation, g = 7, 9 terms) for x > 0. */
export function logGamma(x: number): number {
  if (x < 0.5) {
    // Reflection formula keeps the approximation in its accurate range.
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  }
  const coefficients = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  const z = x - 1;
  let sum = coefficients[0]!;
  for (let i = 1; i < coefficients.length; i++) sum += coefficients[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/**
 * Computes the regularized incomplete beta function I_x(a, b) for a, b > 0
 * and x in [0, 1]. It evaluates the standard continued fraction with the
 * modified Lentz method, using the symmetry I_x(a, b) = 1 - I_{1-x}(b, a)
 * where the fraction converges slowly. The tests check it to 1e-12.
 */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0 && b > 0)) throw new RangeError(`incomplete beta needs a, b > 0 (got a=${a}, b=${b})`);
  if (!(x >= 0 && x <= 1)) throw new RangeError(`incomplete beta needs x in [0, 1] (got ${x})`);
  if (x === 0 || x === 1) return x;
  const logFront = a * Math.log(x) + b * Math.log1p(-x) - (logGamma(a) + logGamma(b) - logGamma(a + b));
  if (x > (a + 1) / (a + b + 2)) {
    return 1 - (Math.exp(logFront) * betaContinuedFraction(1 - x, b, a)) / b;
  }
  return (Math.exp(logFront) * betaContinuedFraction(x, a, b)) / a;
}

function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  const epsilon = 1e-15;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let result = d;
  for (let m = 1; m <= 500; m++) {
    // Even step: coefficient m(b - m)x / ((a + 2m - 1)(a + 2m)).
    let numerator = (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m));
    d = 1 + numerator * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + numerator / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    result *= d * c;
    // Odd step: coefficient -(a + m)(a + b + m)x / ((a + 2m)(a + 2m + 1)).
    numerator = (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 + numerator * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + numerator / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    result *= delta;
    if (Math.abs(delta - 1) < epsilon) return result;
  }
  return result;
}

/** Computes the cumulative distribution function of Student's t with `df` > 0 degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be > 0 (got ${df})`);
  if (Number.isNaN(t)) return NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const tail = 0.5 * regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/**
 * Computes the quantile of Student's t, the t with P(T <= t) = p, by
 * bisection on the distribution function to a relative 1e-12.
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`probability must be in (0, 1) (got ${p})`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let low = 0;
  let high = 1;
  while (studentTCdf(high, df) < p) high *= 2;
  for (let i = 0; i < 200 && high - low > 1e-12 * Math.max(1, high); i++) {
    const middle = (low + high) / 2;
    if (studentTCdf(middle, df) < p) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

/** A sample's mean with a two-sided Student t confidence interval. */
export interface ConfidenceInterval {
  n: number;
  mean: number;
  /** Half-width of the interval, undefined for fewer than 2 values. */
  halfWidth?: number;
  low?: number;
  high?: number;
  /** Sample standard deviation, undefined for fewer than 2 values. */
  std?: number;
}

/** Computes mean ± t_{(1+level)/2, n-1} · s/√n at the given level (95% by default). */
export function confidenceInterval(values: readonly number[], level = 0.95): ConfidenceInterval {
  const n = values.length;
  const m = mean(values);
  if (n < 2) return { n, mean: m };
  const std = sampleStd(values);
  const halfWidth = studentTQuantile((1 + level) / 2, n - 1) * (std / Math.sqrt(n));
  return { n, mean: m, halfWidth, low: m - halfWidth, high: m + halfWidth, std };
}

/** Result of a two-sided Welch's t-test of mean(a) - mean(b). */
export interface WelchResult {
  meanDifference: number;
  t: number;
  /** Welch–Satterthwaite degrees of freedom (fractional). */
  df: number;
  /** Two-sided p-value. */
  p: number;
}

/**
 * Runs Welch's unequal-variance t-test with
 * t = (m_a - m_b) / sqrt(s_a²/n_a + s_b²/n_b) and
 * df = (s_a²/n_a + s_b²/n_b)² / ((s_a²/n_a)²/(n_a-1) + (s_b²/n_b)²/(n_b-1)).
 * Needs at least 2 values per sample. When both samples have zero variance
 * the test is degenerate, so p is 1 for equal means and 0 otherwise, with
 * t and df reported as NaN.
 */
export function welchTTest(a: readonly number[], b: readonly number[]): WelchResult {
  if (a.length < 2 || b.length < 2) {
    throw new RangeError(`Welch's t-test needs at least 2 values per sample (got ${a.length} and ${b.length})`);
  }
  const meanDifference = mean(a) - mean(b);
  const va = sampleVariance(a) / a.length;
  const vb = sampleVariance(b) / b.length;
  const standardError = Math.sqrt(va + vb);
  if (standardError === 0) {
    return { meanDifference, t: NaN, df: NaN, p: meanDifference === 0 ? 1 : 0 };
  }
  const t = meanDifference / standardError;
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  const p = Math.min(1, 2 * studentTCdf(-Math.abs(t), df));
  return { meanDifference, t, df, p };
}

/** Returns the median of the values, or NaN when there are none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
