/**
 * Activation functions by Keras id, with their parameters and defaults.
 *
 * - `leaky_relu` alpha defaults to 0.01, as in PyTorch and the reference
 *   study; Keras's LeakyReLU layer defaults to 0.3 (its `leaky_relu`
 *   function to 0.2), so pass `leaky_relu:0.3` to match that layer.
 * - `elu` alpha defaults to 1.0.
 * - `selu` uses alpha 1.6732632423543772 and scale 1.0507009873554805
 *   (Klambauer et al. 2017, "Self-Normalizing Neural Networks").
 * - `rrelu` (Xu et al. 2015) follows PyTorch: in training each negative input
 *   gets a slope drawn from U(lower, upper), lower 1/8 and upper 1/3 by
 *   default; at inference the slope is (lower + upper) / 2.
 * - `gelu` is the exact erf form (Keras approximate=False, PyTorch 'none');
 *   `gelu_tanh` is the tanh approximation.
 * - `swish` is x * sigmoid(x) (PyTorch's SiLU).
 * - `softmax` is only valid on the output layer, where it is fused with the
 *   cross-entropy loss.
 */
import { ActivationKind } from "../engine/backend.js";
import { ConfigError } from "../errors.js";

export type ActivationId =
  | "linear"
  | "relu"
  | "leaky_relu"
  | "elu"
  | "selu"
  | "sigmoid"
  | "tanh"
  | "gelu"
  | "gelu_tanh"
  | "swish"
  | "rrelu"
  | "softmax";

export const ACTIVATION_IDS: readonly ActivationId[] = [
  "linear",
  "relu",
  "leaky_relu",
  "elu",
  "selu",
  "sigmoid",
  "tanh",
  "gelu",
  "gelu_tanh",
  "swish",
  "rrelu",
  "softmax",
];

export interface ActivationConfig {
  id: ActivationId;
  /** Negative slope of leaky_relu (@default 0.01) or alpha of elu (@default 1.0). */
  alpha?: number;
  /** Lower bound of rrelu's slope. @default 0.125 */
  lower?: number;
  /** Upper bound of rrelu's slope. @default 1/3 */
  upper?: number;
}

/** A validated activation with every parameter filled in. */
export interface Activation {
  id: ActivationId;
  kind: ActivationKind;
  /** The kernel's alpha: leaky slope, elu alpha, or rrelu's inference slope. */
  alpha: number;
  lower: number;
  upper: number;
}

export const LEAKY_RELU_ALPHA = 0.01;
export const ELU_ALPHA = 1.0;
export const RRELU_LOWER = 1 / 8;
export const RRELU_UPPER = 1 / 3;

const ALIASES: Record<string, ActivationId> = {
  none: "linear",
  identity: "linear",
  leakyrelu: "leaky_relu",
  silu: "swish",
};

/**
 * Parses an activation from a Keras id, a CLI form with parameters
 * (`leaky_relu:0.2`, `elu:0.5`, `rrelu:0.125:0.333`) or a config object.
 */
export function parseActivation(
  spec: string | ActivationConfig,
  field = "activation",
  allowed: readonly ActivationId[] = ACTIVATION_IDS,
): Activation {
  let config: ActivationConfig;
  if (typeof spec === "string") {
    const [rawId = "", ...params] = spec.trim().split(":");
    const id = (ALIASES[rawId.toLowerCase()] ?? rawId.toLowerCase()) as ActivationId;
    config = { id };
    const numbers = params.map((p) => parseNumber(p, field, spec));
    if (id === "leaky_relu" || id === "elu") {
      if (numbers.length > 1) throw tooMany(field, spec, `${id}:ALPHA`);
      config.alpha = numbers[0];
    } else if (id === "rrelu") {
      if (numbers.length > 2) throw tooMany(field, spec, "rrelu:LOWER:UPPER");
      config.lower = numbers[0];
      config.upper = numbers[1];
    } else if (numbers.length > 0) {
      throw new ConfigError(field, spec, `no parameters for ${id}`);
    }
  } else {
    config = spec;
  }
  return resolve(config, field, allowed);
}

/** Activations valid on hidden layers: all but softmax. */
export const HIDDEN_ACTIVATION_IDS: readonly ActivationId[] = ACTIVATION_IDS.filter((id) => id !== "softmax");

function resolve(config: ActivationConfig, field: string, allowed: readonly ActivationId[]): Activation {
  const id = config.id;
  if (!allowed.includes(id)) {
    throw new ConfigError(field, id, `one of ${allowed.join(", ")}`);
  }
  const lower = config.lower ?? RRELU_LOWER;
  const upper = config.upper ?? RRELU_UPPER;
  let alpha = 0;
  if (id === "leaky_relu") alpha = config.alpha ?? LEAKY_RELU_ALPHA;
  if (id === "elu") alpha = config.alpha ?? ELU_ALPHA;
  if (id === "rrelu") {
    checkRange(`${field}.lower`, lower, "a number in [0, 1]");
    checkRange(`${field}.upper`, upper, "a number in [0, 1]");
    if (lower > upper) {
      throw new ConfigError(`${field}.lower`, lower, `a number <= upper (${upper})`);
    }
    alpha = (lower + upper) / 2;
  }
  if (!Number.isFinite(alpha) || alpha < 0) {
    throw new ConfigError(`${field}.alpha`, alpha, "a finite number >= 0");
  }
  const kind = id === "softmax" ? ActivationKind.linear : ActivationKind[id];
  return { id, kind, alpha, lower, upper };
}

/** Returns the config form of an activation, for saving and reports. */
export function activationConfig(a: Activation): ActivationConfig {
  if (a.id === "leaky_relu" || a.id === "elu") return { id: a.id, alpha: a.alpha };
  if (a.id === "rrelu") return { id: a.id, lower: a.lower, upper: a.upper };
  return { id: a.id };
}

function checkRange(field: string, value: number, allowed: string): void {
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new ConfigError(field, value, allowed);
  }
}

function parseNumber(text: string, field: string, spec: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) {
    throw new ConfigError(field, spec, "numeric parameters, e.g. leaky_relu:0.2");
  }
  return value;
}

function tooMany(field: string, spec: string, form: string): ConfigError {
  return new ConfigError(field, spec, `at most the parameters of ${form}`);
}
