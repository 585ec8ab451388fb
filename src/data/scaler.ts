/**
 * Per-column standardization, (x - mean) / scale, matching scikit-learn's
 * StandardScaler with its defaults: the scale is the population standard
 * deviation (ddof 0), and a constant column gets scale 1 so it maps to 0
 * instead of dividing by zero.
 *
 * Fit it on the training part only and apply it to every part, so that no
 * statistic of the validation or test rows leaks into training.
 */
import { DataError } from "../errors.js";

/** The fitted statistics in JSON form, one entry per column. */
export interface StandardScalerJSON {
  type: "StandardScaler";
  mean: number[];
  scale: number[];
}

export class StandardScaler {
  private fittedMean: Float64Array | undefined;
  private fittedScale: Float64Array | undefined;

  /** Number of columns the scaler was fitted on. */
  get width(): number {
    return this.fitted().mean.length;
  }

  /** Per-column means, as a copy. */
  get mean(): Float64Array {
    return this.fitted().mean.slice();
  }

  /** Per-column divisors, as a copy: the standard deviation, or 1 for a constant column. */
  get scale(): Float64Array {
    return this.fitted().scale.slice();
  }

  /**
   * Computes the mean and population standard deviation of each column of a
   * row-major matrix, in float64 with two passes so that large means do not
   * swamp small variances. Throws a DataError for a value that is not finite,
   * because one NaN would turn a whole column of every part into NaN.
   */
  fit(x: Float32Array, width: number): this {
    if (!Number.isInteger(width) || width <= 0 || x.length % width !== 0) {
      throw new RangeError(`width ${width} does not divide a matrix of ${x.length} values`);
    }
    const rows = x.length / width;
    if (rows === 0) {
      throw new RangeError("cannot fit a StandardScaler on zero rows");
    }

    const mean = new Float64Array(width);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < width; c++) {
        const value = x[r * width + c]!;
        if (!Number.isFinite(value)) {
          throw new DataError(`invalid input to StandardScaler.fit: row ${r}, column ${c} is ${value}, expected a finite number`);
        }
        mean[c] += value;
      }
    }
    for (let c = 0; c < width; c++) mean[c] /= rows;

    const variance = new Float64Array(width);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < width; c++) {
        const deviation = x[r * width + c]! - mean[c]!;
        variance[c] += deviation * deviation;
      }
    }

    const scale = new Float64Array(width);
    for (let c = 0; c < width; c++) {
      variance[c] /= rows;
      scale[c] = isConstantColumn(variance[c]!, mean[c]!, rows) ? 1 : Math.sqrt(variance[c]!);
    }

    this.fittedMean = mean;
    this.fittedScale = scale;
    return this;
  }

  /** Returns a standardized copy of `x`, which must have the fitted width. */
  transform(x: Float32Array): Float32Array {
    return this.transformInPlace(x.slice());
  }

  /** Standardizes `x` in place and returns it. */
  transformInPlace(x: Float32Array): Float32Array {
    const { mean, scale } = this.fitted();
    const width = mean.length;
    if (x.length % width !== 0) {
      throw new RangeError(`a matrix of ${x.length} values does not have the fitted width ${width}`);
    }
    for (let i = 0; i < x.length; i += width) {
      for (let c = 0; c < width; c++) {
        x[i + c] = (x[i + c]! - mean[c]!) / scale[c]!;
      }
    }
    return x;
  }

  toJSON(): StandardScalerJSON {
    const { mean, scale } = this.fitted();
    return { type: "StandardScaler", mean: Array.from(mean), scale: Array.from(scale) };
  }

  /**
   * Rebuilds a fitted scaler from toJSON output, for example read back from
   * a saved run. Throws a DataError when `json` has the wrong shape.
   */
  static fromJSON(json: unknown): StandardScaler {
    const candidate = json as Partial<StandardScalerJSON> | null;
    if (typeof candidate !== "object" || candidate === null || candidate.type !== "StandardScaler") {
      throw new DataError('invalid StandardScaler JSON: expected an object with type "StandardScaler"');
    }
    const { mean, scale } = candidate;
    if (!isFiniteNumberArray(mean) || !isFiniteNumberArray(scale) || mean.length === 0) {
      throw new DataError("invalid StandardScaler JSON: mean and scale must be non-empty arrays of finite numbers");
    }
    if (mean.length !== scale.length) {
      throw new DataError(
        `invalid StandardScaler JSON: mean has ${mean.length} columns but scale has ${scale.length}`,
      );
    }
    if (scale.some((value) => value <= 0)) {
      throw new DataError("invalid StandardScaler JSON: every scale must be positive");
    }

    const scaler = new StandardScaler();
    scaler.fittedMean = Float64Array.from(mean);
    scaler.fittedScale = Float64Array.from(scale);
    return scaler;
  }

  private fitted(): { mean: Float64Array; scale: Float64Array } {
    if (this.fittedMean === undefined || this.fittedScale === undefined) {
      throw new Error("StandardScaler is not fitted: call fit() or fromJSON() first");
    }
    return { mean: this.fittedMean, scale: this.fittedScale };
  }
}

/** Parts of a data set whose `x` is a row-major matrix. */
export interface FeatureParts<Part extends { x: Float32Array }> {
  train: Part;
  valid: Part;
  test: Part;
}

/**
 * Fits a StandardScaler on `parts.train.x` and returns the scaler and copies
 * of all three parts with standardized `x`. The inputs are left unchanged.
 */
export function standardizeParts<Part extends { x: Float32Array }>(
  parts: FeatureParts<Part>,
  width: number,
): { scaler: StandardScaler } & FeatureParts<Part> {
  const scaler = new StandardScaler().fit(parts.train.x, width);
  return {
    scaler,
    train: { ...parts.train, x: scaler.transform(parts.train.x) },
    valid: { ...parts.valid, x: scaler.transform(parts.valid.x) },
    test: { ...parts.test, x: scaler.transform(parts.test.x) },
  };
}

/**
 * Tells whether a computed variance is within the rounding error of the
 * two-pass algorithm, using the bound of scikit-learn's `_is_constant_feature`
 * (sklearn/preprocessing/_data.py). Dividing by the root of such a variance
 * would blow rounding noise up to values of order 1. For float32 input summed
 * in float64 a constant column gives exactly 0, which the bound includes.
 */
function isConstantColumn(variance: number, mean: number, rows: number): boolean {
  const eps = Number.EPSILON;
  const bound = rows * eps * variance + (rows * mean * eps) ** 2;
  return variance <= bound;
}

function isFiniteNumberArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((item) => typeof item === "number" && Number.isFinite(item));
}
