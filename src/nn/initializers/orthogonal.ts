/**
 * Orthogonal initialization (Saxe et al. 2014). The weight matrix is a random
 * (semi-)orthogonal matrix times a gain, so every singular value equals the
 * gain and a deep linear network neither grows nor shrinks its signal.
 * Semantics follow Keras 3 Orthogonal.
 */
import type { Rng } from "../../engine/rng.js";
import { ConfigError } from "../../errors.js";

/**
 * Draws a (semi-)orthogonal tensor of `shape` times `gain`, row-major.
 *
 * All dims but the last are flattened into rows, so the matrix is
 * rows × cols. With m = max(rows, cols) and n = min(rows, cols), a m × n
 * standard normal matrix A is factored as A = QR, and each column of Q is
 * multiplied by the sign of the matching diagonal entry of R. That sign
 * correction makes Q uniformly (Haar) distributed, because Householder QR
 * alone fixes the signs of R by its own convention. The result is Q when
 * rows >= cols, so WᵀW = gain²·I, and Qᵀ otherwise, so WWᵀ = gain²·I.
 *
 * Throws ConfigError for a shape of rank < 2, as Keras raises ValueError.
 */
export function fillOrthogonal(out: Float32Array, shape: readonly number[], gain: number, rng: Rng): void {
  if (shape.length < 2) {
    throw new ConfigError("shape", shape, "at least 2 dimensions for the orthogonal initializer");
  }
  const cols = shape[shape.length - 1]!;
  let rows = 1;
  for (let i = 0; i < shape.length - 1; i++) rows *= shape[i]!;
  if (rows === 0 || cols === 0) return;

  const m = Math.max(rows, cols);
  const n = Math.min(rows, cols);
  const a = new Float64Array(m * n);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  const q = orthonormalFactor(a, m, n);

  if (rows >= cols) {
    for (let i = 0; i < q.length; i++) out[i] = gain * q[i]!;
  } else {
    // q is cols × rows here, so W[i][j] = q[j][i].
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) out[i * cols + j] = gain * q[j * rows + i]!;
    }
  }
}

/**
 * Computes the thin Q (m × n, row-major) of the QR factorization of the m × n
 * row-major matrix `a`, m >= n, with its columns signed so that R has a
 * non-negative diagonal. Uses Householder reflections in float64 and
 * overwrites `a` with R in its upper triangle.
 */
export function orthonormalFactor(a: Float64Array, m: number, n: number): Float64Array {
  const reflectors: Float64Array[] = [];
  const betas = new Float64Array(n);
  const rDiagonal = new Float64Array(n);

  for (let k = 0; k < n; k++) {
    let normSquared = 0;
    for (let i = k; i < m; i++) normSquared += a[i * n + k]! ** 2;
    const norm = Math.sqrt(normSquared);
    const head = a[k * n + k]!;
    // Reflecting onto -sign(head)·norm avoids cancellation in head - alpha.
    const alpha = head >= 0 ? -norm : norm;

    const v = new Float64Array(m - k);
    for (let i = k; i < m; i++) v[i - k] = a[i * n + k]!;
    v[0] = head - alpha;
    let vNormSquared = 0;
    for (let i = 0; i < v.length; i++) vNormSquared += v[i]! ** 2;
    // A zero column needs no reflection, and H = I - beta·v·vᵀ with beta 0 is I.
    const beta = vNormSquared === 0 ? 0 : 2 / vNormSquared;

    reflectors.push(v);
    betas[k] = beta;
    rDiagonal[k] = alpha;
    a[k * n + k] = alpha;
    for (let i = k + 1; i < m; i++) a[i * n + k] = 0;
    applyReflector(a, n, k, v, beta, k + 1);
  }

  // Q = H_0 · H_1 ⋯ H_{n-1} applied to the first n columns of the identity.
  // Applying the reflectors last to first means H_k only meets columns j >= k,
  // because columns j < k are still unit vectors that are zero in rows >= k.
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * n + j] = 1;
  for (let k = n - 1; k >= 0; k--) applyReflector(q, n, k, reflectors[k]!, betas[k]!, k);

  for (let j = 0; j < n; j++) {
    // NOTE: a zero diagonal entry (probability zero for a normal draw) keeps
    // the column as is, where Keras's sign() would zero it.
    if (rDiagonal[j]! >= 0) continue;
    for (let i = 0; i < m; i++) q[i * n + j] = -q[i * n + j]!;
  }
  return q;
}

/**
 * Multiplies rows k.. of columns firstColumn.. of the row-major matrix `x`
 * (width n) by H = I - beta·v·vᵀ, in place.
 */
function applyReflector(
  x: Float64Array,
  n: number,
  k: number,
  v: Float64Array,
  beta: number,
  firstColumn: number,
): void {
  if (beta === 0) return;
  for (let j = firstColumn; j < n; j++) {
    let dot = 0;
    for (let i = 0; i < v.length; i++) dot += v[i]! * x[(k + i) * n + j]!;
    const s = beta * dot;
    for (let i = 0; i < v.length; i++) x[(k + i) * n + j] = x[(k + i) * n + j]! - s * v[i]!;
  }
}
