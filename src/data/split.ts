/**
 * Seeded shuffled train/test splits of row indices, sized the way
 * scikit-learn's `train_test_split` sizes them, and the default
 * train/validation/test split of the California housing data.
 */
import { Rng } from "../engine/rng.js";
import { ConfigError } from "../errors.js";
import { FEATURE_COUNT, type CaliforniaHousing } from "./california-housing.js";

/** Row indices of the two parts, in shuffled order. */
export interface IndexSplit {
  train: Int32Array;
  test: Int32Array;
}

/**
 * Shuffles the indices 0..n-1 with `rng` and returns the first
 * ceil(n * testFraction) as the test part and the rest as the train part, as
 * scikit-learn's ShuffleSplit does. Throws a ConfigError when the fraction is
 * outside (0, 1) or leaves either part empty.
 */
export function trainTestSplit(n: number, testFraction: number, rng: Rng): IndexSplit {
  return splitIndices(n, testFraction, rng, "testFraction");
}

/** Implements trainTestSplit, with the option name that errors report. */
function splitIndices(n: number, testFraction: number, rng: Rng, field: string): IndexSplit {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new ConfigError("row count", n, "a non-negative integer");
  }
  checkFraction(field, testFraction);
  const testCount = Math.ceil(n * testFraction);
  const trainCount = n - testCount;
  if (testCount === 0 || trainCount === 0) {
    throw new ConfigError(
      field,
      testFraction,
      `a fraction that leaves at least one of ${n} rows in both the train and the test part`,
    );
  }

  const permutation = new Int32Array(n);
  for (let i = 0; i < n; i++) permutation[i] = i;
  rng.shuffle(permutation);
  return { test: permutation.slice(0, testCount), train: permutation.slice(testCount) };
}

/**
 * Copies the rows `indices` of a row-major matrix with `width` columns into a
 * new array, in the order given. Throws a RangeError for an index outside the
 * matrix, because that is a bug in the caller rather than bad input.
 */
export function takeRows(matrix: Float32Array, width: number, indices: Int32Array): Float32Array {
  if (!Number.isInteger(width) || width <= 0 || matrix.length % width !== 0) {
    throw new RangeError(`width ${width} does not divide a matrix of ${matrix.length} values`);
  }
  const rows = matrix.length / width;
  const out = new Float32Array(indices.length * width);
  for (let i = 0; i < indices.length; i++) {
    const row = indices[i]!;
    if (row < 0 || row >= rows) {
      throw new RangeError(`row index ${row} is outside a matrix of ${rows} rows`);
    }
    out.set(matrix.subarray(row * width, (row + 1) * width), i * width);
  }
  return out;
}

/** One part of a split data set. `indices` are rows of the full data set. */
export interface DataPart {
  x: Float32Array;
  y: Float32Array;
  count: number;
  indices: Int32Array;
}

export interface HousingSplit {
  train: DataPart;
  valid: DataPart;
  test: DataPart;
}

export interface HousingSplitOptions {
  seed?: number;
  /** Fraction of all rows held out for the test part. */
  testFraction?: number;
  /** Fraction of the remaining rows held out for the validation part. */
  validFraction?: number;
}

/**
 * Splits the data set into train, validation and test parts: first
 * test/rest by `testFraction`, then validation/train of the rest by
 * `validFraction`, both drawn from one Rng seeded with `seed`. The defaults
 * give 11,610 / 3,870 / 5,160 of the 20,640 rows, the sizes that two
 * scikit-learn `train_test_split` calls with test_size=0.25 give. The rows
 * themselves differ from scikit-learn's, whose shuffle uses numpy's generator.
 */
export function splitCaliforniaHousing(data: CaliforniaHousing, options: HousingSplitOptions = {}): HousingSplit {
  const seed = options.seed ?? 42;
  const testFraction = options.testFraction ?? 0.25;
  const validFraction = options.validFraction ?? 0.25;
  if (!Number.isSafeInteger(seed)) {
    throw new ConfigError("seed", seed, "an integer");
  }
  checkFraction("testFraction", testFraction);
  checkFraction("validFraction", validFraction);

  const rng = new Rng(seed);
  const outer = splitIndices(data.count, testFraction, rng, "testFraction");
  const inner = splitIndices(outer.train.length, validFraction, rng, "validFraction");

  // The inner split indexes positions within the outer train part, so map
  // them back to rows of the full data set.
  const trainRows = inner.train.map((position) => outer.train[position]!);
  const validRows = inner.test.map((position) => outer.train[position]!);

  return {
    train: takePart(data, trainRows),
    valid: takePart(data, validRows),
    test: takePart(data, outer.test),
  };
}

function takePart(data: CaliforniaHousing, indices: Int32Array): DataPart {
  return {
    x: takeRows(data.features, FEATURE_COUNT, indices),
    y: takeRows(data.targets, 1, indices),
    count: indices.length,
    indices,
  };
}

function checkFraction(field: string, value: number): void {
  if (typeof value !== "number" || !(value > 0 && value < 1)) {
    throw new ConfigError(field, value, "a number strictly between 0 and 1");
  }
}
