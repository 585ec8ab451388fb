/**
 * Weight initializer ids, their configuration and its validation, with the
 * names, parameters and default values of Keras 3
 * (keras/src/initializers/random_initializers.py and constant_initializers.py).
 *
 * The variance-scaling family follows Glorot & Bengio 2010 (glorot_*),
 * He et al. 2015 (he_*) and LeCun et al. 1998 / Klambauer et al. 2017
 * (lecun_*). Orthogonal initialization follows Saxe et al. 2014.
 */
import { ConfigError, formatValue } from "../../errors.js";

/** Keras 3 snake_case ids of the supported initializers. */
export const INITIALIZER_IDS = [
  "zeros",
  "ones",
  "constant",
  "random_normal",
  "random_uniform",
  "truncated_normal",
  "glorot_normal",
  "glorot_uniform",
  "he_normal",
  "he_uniform",
  "lecun_normal",
  "lecun_uniform",
  "orthogonal",
  "variance_scaling",
] as const;

export type InitializerId = (typeof INITIALIZER_IDS)[number];

/** Fan that divides the scale in variance scaling. */
export type FanMode = "fan_in" | "fan_out" | "fan_avg";

export const FAN_MODES: readonly FanMode[] = ["fan_in", "fan_out", "fan_avg"];

/**
 * Variance-scaling distribution. "normal" is the Keras alias of
 * "truncated_normal", and parseInitializer replaces it.
 */
export type Distribution = "truncated_normal" | "untruncated_normal" | "uniform" | "normal";

export const DISTRIBUTIONS: readonly Distribution[] = [
  "truncated_normal",
  "untruncated_normal",
  "uniform",
  "normal",
];

/**
 * Initializer id and parameters. Each parameter applies only to the ids named
 * in its comment, and parseInitializer rejects it for any other id.
 */
export interface InitializerConfig {
  id: InitializerId;
  /**
   * Fill value of constant.
   * @default 0
   */
  value?: number;
  /**
   * Mean of random_normal and truncated_normal.
   * @default 0
   */
  mean?: number;
  /**
   * Standard deviation of random_normal and truncated_normal, before
   * truncation. Must be > 0.
   * @default 0.05
   */
  stddev?: number;
  /**
   * Inclusive lower bound of random_uniform. Must be < maxval.
   * @default -0.05
   */
  minval?: number;
  /**
   * Exclusive upper bound of random_uniform.
   * @default 0.05
   */
  maxval?: number;
  /**
   * Target variance times the fan, for variance_scaling. Must be > 0.
   * @default 1
   */
  scale?: number;
  /**
   * Fan that divides the scale, for variance_scaling.
   * @default "fan_in"
   */
  mode?: FanMode;
  /**
   * Distribution of variance_scaling.
   * @default "truncated_normal"
   */
  distribution?: Distribution;
  /**
   * Factor that multiplies the orthogonal matrix, for orthogonal.
   * @default 1
   */
  gain?: number;
}

/** Parameter part of an InitializerConfig. */
export type InitializerParams = Omit<InitializerConfig, "id">;

/**
 * Keras 3 default of every parameter that each id accepts. An id with an
 * empty entry takes no parameters. The key order of each entry is also the
 * parameter order of the compact string form.
 */
export const INITIALIZER_DEFAULTS: Readonly<Record<InitializerId, Readonly<InitializerParams>>> = {
  zeros: {},
  ones: {},
  constant: { value: 0 },
  random_normal: { mean: 0, stddev: 0.05 },
  random_uniform: { minval: -0.05, maxval: 0.05 },
  truncated_normal: { mean: 0, stddev: 0.05 },
  glorot_normal: {},
  glorot_uniform: {},
  he_normal: {},
  he_uniform: {},
  lecun_normal: {},
  lecun_uniform: {},
  orthogonal: { gain: 1 },
  variance_scaling: { scale: 1, mode: "fan_in", distribution: "truncated_normal" },
};

/** Fully specified variance-scaling parameters, after alias resolution. */
export interface VarianceScalingParams {
  scale: number;
  mode: FanMode;
  distribution: Exclude<Distribution, "normal">;
}

export type VarianceScalingPresetId =
  | "glorot_normal"
  | "glorot_uniform"
  | "he_normal"
  | "he_uniform"
  | "lecun_normal"
  | "lecun_uniform";

/**
 * Fixed parameters of the named variance-scaling initializers, as the Keras 3
 * subclasses of VarianceScaling set them. These ids accept no overrides.
 */
export const VARIANCE_SCALING_PRESETS: Readonly<
  Record<VarianceScalingPresetId, Readonly<VarianceScalingParams>>
> = {
  glorot_normal: { scale: 1, mode: "fan_avg", distribution: "truncated_normal" },
  glorot_uniform: { scale: 1, mode: "fan_avg", distribution: "uniform" },
  he_normal: { scale: 2, mode: "fan_in", distribution: "truncated_normal" },
  he_uniform: { scale: 2, mode: "fan_in", distribution: "uniform" },
  lecun_normal: { scale: 1, mode: "fan_in", distribution: "truncated_normal" },
  lecun_uniform: { scale: 1, mode: "fan_in", distribution: "uniform" },
};

/**
 * Other names that keras.initializers.get() accepts for the same
 * initializers: its short aliases and the class names.
 */
const KERAS_ALIASES: Readonly<Record<string, InitializerId>> = {
  zero: "zeros",
  one: "ones",
  normal: "random_normal",
  uniform: "random_uniform",
  orthogonal_initializer: "orthogonal",
  Zeros: "zeros",
  Ones: "ones",
  Constant: "constant",
  RandomNormal: "random_normal",
  RandomUniform: "random_uniform",
  TruncatedNormal: "truncated_normal",
  GlorotNormal: "glorot_normal",
  GlorotUniform: "glorot_uniform",
  HeNormal: "he_normal",
  HeUniform: "he_uniform",
  LecunNormal: "lecun_normal",
  LecunUniform: "lecun_uniform",
  Orthogonal: "orthogonal",
  OrthogonalInitializer: "orthogonal",
  VarianceScaling: "variance_scaling",
};

const NUMERIC_PARAMS = new Set<string>(["value", "mean", "stddev", "minval", "maxval", "scale", "gain"]);

/**
 * Validates an initializer spec and returns its config with the Keras 3
 * default filled in for every parameter that the id accepts.
 *
 * `spec` is a config object or a string: a Keras id ("he_normal"), a Keras
 * alias or class name ("normal", "HeNormal"), or the compact form
 * `ID:P1:P2:...`. The compact form lists parameters in Keras constructor
 * order, and an empty one keeps its default:
 *
 * - `constant:VALUE`
 * - `random_normal:MEAN:STDDEV` and `truncated_normal:MEAN:STDDEV`
 * - `random_uniform:MINVAL:MAXVAL`
 * - `variance_scaling:SCALE:MODE:DISTRIBUTION`, e.g. `variance_scaling:2:fan_avg:uniform`
 * - `orthogonal:GAIN`
 *
 * Throws ConfigError naming `field` (or `field.PARAM`) and the bad value for an
 * unknown id, an unknown or inapplicable parameter, too many compact
 * parameters, a non-finite number, stddev <= 0, scale <= 0, minval >= maxval,
 * or an unknown mode or distribution. The distribution is lowercased and
 * "normal" becomes "truncated_normal", as Keras 3 VarianceScaling does.
 */
export function parseInitializer(
  spec: string | InitializerConfig,
  field = "kernelInitializer",
): InitializerConfig {
  if (typeof spec === "string") return parseCompact(spec, field);
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    const expected = 'an initializer id string or a config object such as {"id": "he_normal"}';
    throw new ConfigError(field, spec, expected);
  }
  const raw = spec as unknown as Record<string, unknown>;
  const id = resolveId(raw.id, `${field}.id`);
  return resolveParams(id, raw, field);
}

function parseCompact(spec: string, field: string): InitializerConfig {
  const [idText = "", ...paramTexts] = spec.split(":");
  const id = resolveId(idText.trim(), field, spec);
  const names = Object.keys(INITIALIZER_DEFAULTS[id]);
  if (paramTexts.length > names.length) {
    throw new ConfigError(field, spec, compactUsage(id, names));
  }

  const raw: Record<string, unknown> = {};
  paramTexts.forEach((text, i) => {
    const name = names[i]!;
    const trimmed = text.trim();
    if (trimmed === "") return;
    // A text that is not a finite number stays a string, so resolveParams
    // reports it with the expected range of that parameter.
    const number = Number(trimmed);
    raw[name] = NUMERIC_PARAMS.has(name) && Number.isFinite(number) ? number : trimmed;
  });
  return resolveParams(id, raw, field);
}

function compactUsage(id: InitializerId, names: string[]): string {
  if (names.length === 0) return `"${id}" with no parameters`;
  const form = [id, ...names.map((name) => name.toUpperCase())].join(":");
  return `at most ${names.length} parameter${names.length === 1 ? "" : "s"}: ${form}`;
}

function resolveId(value: unknown, field: string, reported: unknown = value): InitializerId {
  if (typeof value === "string") {
    if (Object.hasOwn(INITIALIZER_DEFAULTS, value)) return value as InitializerId;
    if (Object.hasOwn(KERAS_ALIASES, value)) return KERAS_ALIASES[value]!;
  }
  const ids = INITIALIZER_IDS.join(", ");
  const example = "variance_scaling:2:fan_avg:uniform";
  throw new ConfigError(field, reported, `one of ${ids}, optionally with parameters such as ${example}`);
}

function resolveParams(id: InitializerId, raw: Record<string, unknown>, field: string): InitializerConfig {
  const defaults = INITIALIZER_DEFAULTS[id];
  for (const [key, value] of Object.entries(raw)) {
    if (key === "id" || value === undefined || Object.hasOwn(defaults, key)) continue;
    const accepted = Object.keys(defaults);
    const reason =
      accepted.length === 0
        ? `unset, because ${id} takes no parameters`
        : `unset, because ${id} takes only ${accepted.join(", ")}`;
    throw new ConfigError(`${field}.${key}`, value, reason);
  }

  // `??` keeps explicit zeros such as gain 0 or minval 0, which `||` would
  // replace with the default.
  const pick = (key: keyof InitializerParams): unknown => raw[key] ?? defaults[key];
  const config: InitializerConfig = { id };
  switch (id) {
    case "constant":
      config.value = finiteNumber(pick("value"), `${field}.value`);
      break;
    case "random_normal":
    case "truncated_normal":
      config.mean = finiteNumber(pick("mean"), `${field}.mean`);
      config.stddev = positiveNumber(pick("stddev"), `${field}.stddev`);
      break;
    case "random_uniform": {
      const minval = finiteNumber(pick("minval"), `${field}.minval`);
      const maxval = finiteNumber(pick("maxval"), `${field}.maxval`);
      if (minval >= maxval) {
        throw new ConfigError(`${field}.minval`, minval, `a number < maxval ${formatValue(maxval)}`);
      }
      config.minval = minval;
      config.maxval = maxval;
      break;
    }
    case "variance_scaling":
      config.scale = positiveNumber(pick("scale"), `${field}.scale`);
      config.mode = fanMode(pick("mode"), `${field}.mode`);
      config.distribution = distribution(pick("distribution"), `${field}.distribution`);
      break;
    case "orthogonal":
      config.gain = finiteNumber(pick("gain"), `${field}.gain`);
      break;
    default:
      break;
  }
  return config;
}

function finiteNumber(value: unknown, field: string): number {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  throw new ConfigError(field, value, "a finite number");
}

function positiveNumber(value: unknown, field: string): number {
  if (typeof value === "number" && Number.isFinite(value) && value > 0) return value;
  throw new ConfigError(field, value, "a finite number > 0");
}

function fanMode(value: unknown, field: string): FanMode {
  if (typeof value === "string" && (FAN_MODES as readonly string[]).includes(value)) return value as FanMode;
  throw new ConfigError(field, value, `one of ${FAN_MODES.join(", ")}`);
}

function distribution(value: unknown, field: string): Exclude<Distribution, "normal"> {
  const lower = typeof value === "string" ? value.toLowerCase() : value;
  if (lower === "normal") return "truncated_normal";
  if (typeof lower === "string" && (DISTRIBUTIONS as readonly string[]).includes(lower)) {
    return lower as Exclude<Distribution, "normal">;
  }
  throw new ConfigError(field, value, `one of ${DISTRIBUTIONS.join(", ")}`);
}
