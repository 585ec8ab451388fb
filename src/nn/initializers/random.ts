/**
 * Random initializers: normal, truncated normal and uniform draws, and
 * variance scaling. Variance scaling sizes those draws from the fans of the
 * weight shape, so that activations and gradients keep their variance from
 * layer to layer (Glorot & Bengio 2010, He et al. 2015, LeCun et al. 1998 and
 * Klambauer et al. 2017). Semantics follow Keras 3
 * keras/src/initializers/random_initializers.py.
 */
import type { Rng } from "../../engine/rng.js";
import type { VarianceScalingParams } from "./config.js";

/**
 * Standard deviation of a standard normal truncated to [-2, 2]. Variance
 * scaling divides by it so the truncated draws keep the target variance.
 */
export const TRUNCATED_STDDEV_FACTOR = 0.87962566103423978;

/** Fan-in and fan-out of a weight shape. */
export interface Fans {
  fanIn: number;
  fanOut: number;
}

/**
 * Computes fan-in and fan-out with the Keras rules:
 *
 * - scalar [] → 1, 1
 * - [n] → n, n
 * - [in, out] → in, out
 * - convolution kernel [...receptive, in, out] → r·in, r·out, where r is the
 *   product of the receptive dims
 */
export function computeFans(shape: readonly number[]): Fans {
  const rank = shape.length;
  if (rank === 0) return { fanIn: 1, fanOut: 1 };
  if (rank === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  let receptiveFieldSize = 1;
  for (let i = 0; i < rank - 2; i++) receptiveFieldSize *= shape[i]!;
  return {
    fanIn: shape[rank - 2]! * receptiveFieldSize,
    fanOut: shape[rank - 1]! * receptiveFieldSize,
  };
}

/** Fills `out` with draws from N(mean, stddev²). */
export function fillNormal(out: Float32Array, rng: Rng, mean: number, stddev: number): void {
  for (let i = 0; i < out.length; i++) out[i] = mean + stddev * rng.normal();
}

/**
 * Fills `out` with draws from N(mean, stddev²) restricted to
 * [mean - 2·stddev, mean + 2·stddev]: a draw outside is discarded and redrawn,
 * as in Keras TruncatedNormal. The realized standard deviation is
 * stddev · TRUNCATED_STDDEV_FACTOR.
 */
export function fillTruncatedNormal(out: Float32Array, rng: Rng, mean: number, stddev: number): void {
  for (let i = 0; i < out.length; i++) {
    let z = rng.normal();
    // About 4.6% of standard normal draws fall outside [-2, 2].
    while (z < -2 || z > 2) z = rng.normal();
    out[i] = mean + stddev * z;
  }
}

/**
 * Fills `out` with draws from U[minval, maxval). Rounding to float32 can turn
 * a draw just below maxval into maxval itself.
 */
export function fillUniform(out: Float32Array, rng: Rng, minval: number, maxval: number): void {
  const width = maxval - minval;
  for (let i = 0; i < out.length; i++) out[i] = minval + width * rng.uniform();
}

/**
 * Fills `out` (a tensor of `shape`) by variance scaling: with n = max(1, fan)
 * for the mode, where fan_avg = (fan_in + fan_out) / 2, the draws have
 * variance scale / n.
 *
 * - truncated_normal: N(0, s²) truncated at ±2s, s = sqrt(scale / n) / 0.8796…
 * - untruncated_normal: N(0, scale / n)
 * - uniform: U(-limit, limit), limit = sqrt(3 · scale / n)
 */
export function fillVarianceScaling(
  out: Float32Array,
  shape: readonly number[],
  params: Readonly<VarianceScalingParams>,
  rng: Rng,
): void {
  const variance = params.scale / varianceScalingFan(shape, params.mode);
  switch (params.distribution) {
    case "truncated_normal":
      fillTruncatedNormal(out, rng, 0, Math.sqrt(variance) / TRUNCATED_STDDEV_FACTOR);
      break;
    case "untruncated_normal":
      fillNormal(out, rng, 0, Math.sqrt(variance));
      break;
    case "uniform": {
      const limit = Math.sqrt(3 * variance);
      fillUniform(out, rng, -limit, limit);
      break;
    }
  }
}

/** Returns the fan for `mode`, at least 1 so that an empty dimension cannot divide by zero. */
function varianceScalingFan(shape: readonly number[], mode: VarianceScalingParams["mode"]): number {
  const { fanIn, fanOut } = computeFans(shape);
  switch (mode) {
    case "fan_in":
      return Math.max(1, fanIn);
    case "fan_out":
      return Math.max(1, fanOut);
    case "fan_avg":
      return Math.max(1, (fanIn + fanOut) / 2);
  }
}
