/**
 * Scalar activation functions and their derivatives in float64, for the
 * reference backend. Each derivative is written in terms of the
 * pre-activation z, the output y, or both, whichever is cheaper and exact.
 */
import { ActivationKind, SELU_ALPHA, SELU_SCALE } from "./backend.js";

const SQRT_HALF = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const GELU_TANH_C = Math.sqrt(2 / Math.PI);

/** f(z) for one element; `alpha` is the kind's slope or scale parameter. */
export function activate(kind: ActivationKind, alpha: number, z: number): number {
  switch (kind) {
    case ActivationKind.linear:
      return z;
    case ActivationKind.relu:
      return z > 0 ? z : 0;
    case ActivationKind.leaky_relu:
    case ActivationKind.rrelu:
      return z >= 0 ? z : alpha * z;
    case ActivationKind.elu:
      return z > 0 ? z : alpha * Math.expm1(z);
    case ActivationKind.selu:
      return z > 0 ? SELU_SCALE * z : SELU_SCALE * SELU_ALPHA * Math.expm1(z);
    case ActivationKind.sigmoid:
      return sigmoid(z);
    case ActivationKind.tanh:
      return Math.tanh(z);
    case ActivationKind.gelu:
      return 0.5 * z * (1 + erf(z * SQRT_HALF));
    case ActivationKind.gelu_tanh:
      return 0.5 * z * (1 + Math.tanh(GELU_TANH_C * (z + 0.044715 * z * z * z)));
    case ActivationKind.swish:
      return z * sigmoid(z);
  }
}

/** f'(z) for one element, given z and y = f(z). */
export function derivative(
  kind: ActivationKind,
  alpha: number,
  z: number,
  y: number,
): number {
  switch (kind) {
    case ActivationKind.linear:
      return 1;
    case ActivationKind.relu:
      // The derivative at 0 is taken as 0, as TensorFlow and PyTorch do.
      return z > 0 ? 1 : 0;
    case ActivationKind.leaky_relu:
    case ActivationKind.rrelu:
      return z >= 0 ? 1 : alpha;
    case ActivationKind.elu:
      return z > 0 ? 1 : alpha * Math.exp(z);
    case ActivationKind.selu:
      return z > 0 ? SELU_SCALE : SELU_SCALE * SELU_ALPHA * Math.exp(z);
    case ActivationKind.sigmoid: {
      const s = sigmoid(z);
      return s * (1 - s);
    }
    case ActivationKind.tanh: {
      const t = Math.tanh(z);
      return 1 - t * t;
    }
    case ActivationKind.gelu:
      return 0.5 * (1 + erf(z * SQRT_HALF)) + z * INV_SQRT_2PI * Math.exp(-0.5 * z * z);
    case ActivationKind.gelu_tanh: {
      const u = GELU_TANH_C * (z + 0.044715 * z * z * z);
      const t = Math.tanh(u);
      const du = GELU_TANH_C * (1 + 3 * 0.044715 * z * z);
      return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * du;
    }
    case ActivationKind.swish: {
      const s = sigmoid(z);
      return s + z * s * (1 - s);
    }
  }
  void y;
}

export function sigmoid(z: number): number {
  // Two branches keep exp from overflowing for large |z|.
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * The error function in float64: the Maclaurin series for |x| < 3, and the
 * Laplace continued fraction for erfc beyond, both accurate to about 1e-14,
 * far below float32 resolution. JavaScript has no Math.erf.
 */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 100; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))),
  // evaluated from the tail up.
  let fraction = ax;
  for (let k = 60; k >= 1; k--) fraction = ax + k / 2 / fraction;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / fraction;
  return x > 0 ? 1 - erfc : erfc - 1;
}
