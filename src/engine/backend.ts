/**
 * The kernel interface between layers and the two engines.
 *
 * Every kernel works in place on caller-owned Float32Array buffers, with sizes
 * passed explicitly, so a training step allocates nothing and the native
 * backend reads and writes JS memory without copies. Matrices are row-major.
 * Shape legend used below: N batch rows, C columns (features or units),
 * K the inner dimension of a matrix product.
 *
 * `reference` (plain TypeScript) is the oracle; `native` (C++ and OpenBLAS)
 * must agree with it within float32 rounding. Layers call these kernels and
 * never branch on which backend is active.
 */

/** Activation kernels by numeric id, shared with the C++ addon. */
export const ActivationKind = {
  linear: 0,
  relu: 1,
  leaky_relu: 2,
  elu: 3,
  selu: 4,
  sigmoid: 5,
  tanh: 6,
  gelu: 7,
  gelu_tanh: 8,
  swish: 9,
  rrelu: 10,
} as const;
export type ActivationKind = (typeof ActivationKind)[keyof typeof ActivationKind];

/** Regression losses by numeric id, shared with the C++ addon. */
export const RegressionLossKind = { mse: 0, mae: 1, huber: 2 } as const;
export type RegressionLossKind =
  (typeof RegressionLossKind)[keyof typeof RegressionLossKind];

/** SELU constants from Klambauer et al. 2017, as in Keras and PyTorch. */
export const SELU_ALPHA = 1.6732632423543772;
export const SELU_SCALE = 1.0507009873554805;

export interface Backend {
  readonly name: "native" | "reference";

  /** Sets the BLAS thread count (the reference backend is single-threaded). */
  setThreads(threads: number): void;
  getThreads(): number;

  /**
   * C = alpha * op(A) * op(B) + beta * C, where op(A) is M x K, op(B) is
   * K x N and C is M x N. A transposed operand is read in place: A is stored
   * K x M when transA is true, B is stored N x K when transB is true.
   */
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    b: Float32Array,
    beta: number,
    c: Float32Array,
  ): void;

  /**
   * Adds the bias row to z (N x C, in place) when bias is not null, then
   * writes y = f(z). y may be the same buffer as z only for `linear`.
   * `alpha` is the slope or scale parameter of leaky_relu, elu and the
   * inference slope of rrelu. For rrelu in training, pass `rrelu` with the
   * slopes buffer and the RNG state: each negative element draws its slope
   * from U(lower, upper) and the slope is stored for the backward pass.
   */
  biasActivationForward(
    kind: ActivationKind,
    alpha: number,
    n: number,
    c: number,
    z: Float32Array,
    bias: Float32Array | null,
    y: Float32Array,
    rrelu: RreluNoise | null,
  ): void;

  /** dz = dy * f'(z) over `size` elements, using z, y or the rrelu slopes. */
  activationBackward(
    kind: ActivationKind,
    alpha: number,
    size: number,
    z: Float32Array,
    y: Float32Array,
    dy: Float32Array,
    dz: Float32Array,
    rrelu: RreluNoise | null,
  ): void;

  /** out[j] = sum over rows of x[i, j] (x is N x C): the bias gradient. */
  columnSum(n: number, c: number, x: Float32Array, out: Float32Array): void;

  /**
   * Row-wise softmax of logits (N x C) with sparse cross-entropy against
   * integer labels. Writes dlogits = (softmax - onehot) * gradScale when
   * dlogits is not null. stats receives [sum of losses, correct argmax count].
   */
  softmaxCrossEntropy(
    n: number,
    c: number,
    logits: Float32Array,
    labels: Int32Array,
    dlogits: Float32Array | null,
    gradScale: number,
    stats: Float64Array,
  ): void;

  /** Row-wise softmax: probs = exp(z - max) / sum(exp(z - max)). */
  softmax(n: number, c: number, logits: Float32Array, probs: Float32Array): void;

  /**
   * Elementwise regression loss over `size` values. Writes dpred =
   * dloss/dpred * gradScale when dpred is not null. stats receives
   * [sum of losses, sum of absolute errors, sum of squared errors].
   */
  regressionLoss(
    kind: RegressionLossKind,
    delta: number,
    size: number,
    pred: Float32Array,
    target: Float32Array,
    dpred: Float32Array | null,
    gradScale: number,
    stats: Float64Array,
  ): void;

  /** Returns the sum of squares of x, accumulated in float64. */
  sumSquares(x: Float32Array): number;
  /** x *= s in place. */
  scale(x: Float32Array, s: number): void;
  /** Clamps every element of x to [lo, hi] in place. */
  clip(x: Float32Array, lo: number, hi: number): void;
  /** Returns true when every element of x is finite. */
  allFinite(x: Float32Array): boolean;

  /**
   * Copies rows indices[start .. start+count) of src (rows of `width`) into
   * dst, packed: the batch gather for a shuffled epoch.
   */
  gatherRows(
    src: Float32Array,
    width: number,
    indices: Int32Array,
    start: number,
    count: number,
    dst: Float32Array,
  ): void;

  /** SGD (Keras form): v = momentum*v - lr*g; w += v, or the Nesterov step. */
  sgdUpdate(
    w: Float32Array,
    g: Float32Array,
    velocity: Float32Array | null,
    lr: number,
    momentum: number,
    nesterov: boolean,
  ): void;

  /**
   * Adam (Keras form): m += (g - m)(1 - beta1); v += (g^2 - v)(1 - beta2);
   * w -= stepSize * m / (sqrt(v) + epsilon), where the caller folds the bias
   * corrections into stepSize = lr * sqrt(1 - beta2^t) / (1 - beta1^t).
   */
  adamUpdate(
    w: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    stepSize: number,
    beta1: number,
    beta2: number,
    epsilon: number,
  ): void;

  /**
   * Nadam (Keras form): m and v as in Adam, then
   * w -= lr * (mCoef * m + gCoef * g) / (sqrt(v * vCoef) + epsilon),
   * with the momentum-schedule coefficients computed by the caller.
   */
  nadamUpdate(
    w: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    lr: number,
    beta1: number,
    beta2: number,
    epsilon: number,
    mCoef: number,
    gCoef: number,
    vCoef: number,
  ): void;

  /**
   * RMSprop without momentum or centering:
   * v = rho*v + (1 - rho)*g^2; w -= lr * g / sqrt(v + epsilon).
   */
  rmspropUpdate(
    w: Float32Array,
    g: Float32Array,
    v: Float32Array,
    lr: number,
    rho: number,
    epsilon: number,
  ): void;

  /** Adagrad: acc += g^2; w -= lr * g / sqrt(acc + epsilon). */
  adagradUpdate(
    w: Float32Array,
    g: Float32Array,
    accumulator: Float32Array,
    lr: number,
    epsilon: number,
  ): void;

  /**
   * Batch normalization forward in training mode over x (N x C), with the
   * biased batch variance. Writes y, xhat, batch mean and 1/sqrt(var + eps),
   * then updates the moving statistics with Keras's convention:
   * moving = moving * momentum + batch * (1 - momentum).
   */
  batchNormForwardTrain(
    n: number,
    c: number,
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    epsilon: number,
    momentum: number,
    movingMean: Float32Array,
    movingVariance: Float32Array,
    mean: Float32Array,
    invStd: Float32Array,
    xhat: Float32Array,
    y: Float32Array,
  ): void;

  /** y = gamma * (x - movingMean) / sqrt(movingVariance + eps) + beta. */
  batchNormForwardInference(
    n: number,
    c: number,
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    epsilon: number,
    movingMean: Float32Array,
    movingVariance: Float32Array,
    y: Float32Array,
  ): void;

  /**
   * Batch normalization backward for the training-mode forward:
   * dx = invStd / N * (N*dxhat - sum(dxhat) - xhat * sum(dxhat * xhat)),
   * with dxhat = dy * gamma; dgamma = sum(dy * xhat); dbeta = sum(dy).
   */
  batchNormBackward(
    n: number,
    c: number,
    dy: Float32Array,
    xhat: Float32Array,
    gamma: Float32Array,
    invStd: Float32Array,
    dx: Float32Array,
    dgamma: Float32Array,
    dbeta: Float32Array,
  ): void;
}

/** The rrelu training-mode noise: per-element slopes and the RNG that draws them. */
export interface RreluNoise {
  /** Per-element slopes, the same size as z; 1 for non-negative inputs. */
  slopes: Float32Array;
  /** xoshiro128** state of the run's Rng, advanced in place. */
  rngState: Uint32Array;
  lower: number;
  upper: number;
}
