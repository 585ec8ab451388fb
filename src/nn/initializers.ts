/**
 * Weight initializers with the names, parameters and semantics of Keras 3
 * (keras/src/initializers): constants, random normal, truncated normal and
 * uniform draws, variance scaling (glorot_* from Glorot & Bengio 2010, he_*
 * from He et al. 2015, lecun_* from LeCun et al. 1998 / Klambauer et al.
 * 2017) and orthogonal matrices (Saxe et al. 2014).
 *
 * Shapes follow Keras: a dense kernel is [fanIn, units] and a bias is [units].
 * Tensors are row-major Float32Arrays.
 */
import type { Rng } from "../engine/rng.js";
import { ConfigError } from "../errors.js";
import {
  parseInitializer,
  VARIANCE_SCALING_PRESETS,
  type InitializerConfig,
  type VarianceScalingParams,
} from "./initializers/config.js";
import { fillOrthogonal } from "./initializers/orthogonal.js";
import { fillNormal, fillTruncatedNormal, fillUniform, fillVarianceScaling } from "./initializers/random.js";

export {
  DISTRIBUTIONS,
  FAN_MODES,
  INITIALIZER_DEFAULTS,
  INITIALIZER_IDS,
  parseInitializer,
  VARIANCE_SCALING_PRESETS,
  type Distribution,
  type FanMode,
  type InitializerConfig,
  type InitializerId,
  type InitializerParams,
  type VarianceScalingParams,
  type VarianceScalingPresetId,
} from "./initializers/config.js";
export { orthonormalFactor } from "./initializers/orthogonal.js";
export { computeFans, TRUNCATED_STDDEV_FACTOR, type Fans } from "./initializers/random.js";

/**
 * Draws the initial values of a tensor of `shape`, row-major. `config` goes
 * through parseInitializer first, so missing parameters take the Keras
 * defaults and an invalid config throws ConfigError with field "initializer".
 * Throws ConfigError for a dimension that is not a non-negative integer, and
 * for orthogonal with a shape of rank < 2.
 *
 * The draws consume `rng`, so the same seed and call order give identical
 * arrays.
 */
export function initialize(config: InitializerConfig, shape: readonly number[], rng: Rng): Float32Array {
  const resolved = parseInitializer(config, "initializer");
  const out = new Float32Array(tensorSize(shape));

  // parseInitializer filled in every parameter that the id accepts, so the
  // non-null assertions below hold.
  switch (resolved.id) {
    case "zeros":
      break;
    case "ones":
      out.fill(1);
      break;
    case "constant":
      out.fill(resolved.value!);
      break;
    case "random_normal":
      fillNormal(out, rng, resolved.mean!, resolved.stddev!);
      break;
    case "truncated_normal":
      fillTruncatedNormal(out, rng, resolved.mean!, resolved.stddev!);
      break;
    case "random_uniform":
      fillUniform(out, rng, resolved.minval!, resolved.maxval!);
      break;
    case "orthogonal":
      fillOrthogonal(out, shape, resolved.gain!, rng);
      break;
    case "variance_scaling":
      fillVarianceScaling(
        out,
        shape,
        {
          scale: resolved.scale!,
          mode: resolved.mode!,
          // parseInitializer has replaced the "normal" alias with "truncated_normal".
          distribution: resolved.distribution as VarianceScalingParams["distribution"],
        },
        rng,
      );
      break;
    default:
      fillVarianceScaling(out, shape, VARIANCE_SCALING_PRESETS[resolved.id], rng);
      break;
  }
  return out;
}

function tensorSize(shape: readonly number[]): number {
  let size = 1;
  for (const dim of shape) {
    if (!Number.isSafeInteger(dim) || dim < 0) {
      throw new ConfigError("shape", shape, "non-negative integer dimensions");
    }
    size *= dim;
  }
  return size;
}
