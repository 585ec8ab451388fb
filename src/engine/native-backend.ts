/**
 * The native backend: thin wrappers over the C++ addon (native/*.cc), which
 * computes in place on the same Float32Array memory. The addon is loaded
 * lazily so commands like `--help` work without it.
 */
import { createRequire } from "node:module";
import type {
  ActivationKind,
  Backend,
  RegressionLossKind,
  RreluNoise,
} from "./backend.js";

/** The addon's exports; argument order matches the Backend methods. */
interface NativeAddon {
  gemm(...args: unknown[]): void;
  setThreads(threads: number): void;
  getThreads(): number;
  blasInfo(): { config: string; coreName: string; cpuCount: number };
  biasActivationForward(...args: unknown[]): void;
  activationBackward(...args: unknown[]): void;
  columnSum(...args: unknown[]): void;
  softmaxCrossEntropy(...args: unknown[]): void;
  softmax(...args: unknown[]): void;
  regressionLoss(...args: unknown[]): void;
  sumSquares(x: Float32Array): number;
  scale(x: Float32Array, s: number): void;
  clip(x: Float32Array, lo: number, hi: number): void;
  allFinite(x: Float32Array): boolean;
  gatherRows(...args: unknown[]): void;
  sgdUpdate(...args: unknown[]): void;
  adamUpdate(...args: unknown[]): void;
  nadamUpdate(...args: unknown[]): void;
  rmspropUpdate(...args: unknown[]): void;
  adagradUpdate(...args: unknown[]): void;
  batchNormForwardTrain(...args: unknown[]): void;
  batchNormForwardInference(...args: unknown[]): void;
  batchNormBackward(...args: unknown[]): void;
  fillUniform(state: Uint32Array, out: Float32Array, lo: number, hi: number): void;
}

/** The addon's path relative to this file, compiled to dist/src/engine/. */
export const ADDON_PATH = "../../../build/Release/trainlab_native.node";

let cached: NativeAddon | null | undefined;
let loadError: string | undefined;

/** Loads the addon once; returns null (and keeps the reason) when it is missing. */
export function loadAddon(): NativeAddon | null {
  if (cached !== undefined) return cached;
  try {
    const require = createRequire(import.meta.url);
    cached = require(ADDON_PATH) as NativeAddon;
  } catch (err) {
    cached = null;
    loadError = err instanceof Error ? err.message.split("\n")[0] : String(err);
  }
  return cached;
}

/** Returns why the addon failed to load, or undefined when it loaded. */
export function addonLoadError(): string | undefined {
  loadAddon();
  return loadError;
}

export class NativeBackend implements Backend {
  readonly name = "native" as const;

  constructor(private readonly addon: NativeAddon) {}

  /** OpenBLAS's build configuration and the CPU kernel it selected. */
  blasInfo(): { config: string; coreName: string; cpuCount: number } {
    return this.addon.blasInfo();
  }

  setThreads(threads: number): void {
    this.addon.setThreads(threads);
  }
  getThreads(): number {
    return this.addon.getThreads();
  }

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
  ): void {
    this.addon.gemm(transA, transB, m, n, k, alpha, a, b, beta, c);
  }

  biasActivationForward(
    kind: ActivationKind,
    alpha: number,
    n: number,
    c: number,
    z: Float32Array,
    bias: Float32Array | null,
    y: Float32Array,
    rrelu: RreluNoise | null,
  ): void {
    if (rrelu) {
      this.addon.biasActivationForward(
        kind, alpha, n, c, z, bias, y,
        rrelu.slopes, rrelu.rngState, rrelu.lower, rrelu.upper,
      );
    } else {
      this.addon.biasActivationForward(kind, alpha, n, c, z, bias, y, null, null, 0, 0);
    }
  }

  activationBackward(
    kind: ActivationKind,
    alpha: number,
    size: number,
    z: Float32Array,
    y: Float32Array,
    dy: Float32Array,
    dz: Float32Array,
    rrelu: RreluNoise | null,
  ): void {
    this.addon.activationBackward(kind, alpha, size, z, y, dy, dz, rrelu ? rrelu.slopes : null);
  }

  columnSum(n: number, c: number, x: Float32Array, out: Float32Array): void {
    this.addon.columnSum(n, c, x, out);
  }

  softmaxCrossEntropy(
    n: number,
    c: number,
    logits: Float32Array,
    labels: Int32Array,
    dlogits: Float32Array | null,
    gradScale: number,
    stats: Float64Array,
  ): void {
    this.addon.softmaxCrossEntropy(n, c, logits, labels, dlogits, gradScale, stats);
  }

  softmax(n: number, c: number, logits: Float32Array, probs: Float32Array): void {
    this.addon.softmax(n, c, logits, probs);
  }

  regressionLoss(
    kind: RegressionLossKind,
    delta: number,
    size: number,
    pred: Float32Array,
    target: Float32Array,
    dpred: Float32Array | null,
    gradScale: number,
    stats: Float64Array,
  ): void {
    this.addon.regressionLoss(kind, delta, size, pred, target, dpred, gradScale, stats);
  }

  sumSquares(x: Float32Array): number {
    return this.addon.sumSquares(x);
  }
  scale(x: Float32Array, s: number): void {
    this.addon.scale(x, s);
  }
  clip(x: Float32Array, lo: number, hi: number): void {
    this.addon.clip(x, lo, hi);
  }
  allFinite(x: Float32Array): boolean {
    return this.addon.allFinite(x);
  }

  gatherRows(
    src: Float32Array,
    width: number,
    indices: Int32Array,
    start: number,
    count: number,
    dst: Float32Array,
  ): void {
    this.addon.gatherRows(src, width, indices, start, count, dst);
  }

  sgdUpdate(
    w: Float32Array,
    g: Float32Array,
    velocity: Float32Array | null,
    lr: number,
    momentum: number,
    nesterov: boolean,
  ): void {
    this.addon.sgdUpdate(w, g, velocity, lr, momentum, nesterov);
  }

  adamUpdate(
    w: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    stepSize: number,
    beta1: number,
    beta2: number,
    epsilon: number,
  ): void {
    this.addon.adamUpdate(w, g, m, v, stepSize, beta1, beta2, epsilon);
  }

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
  ): void {
    this.addon.nadamUpdate(w, g, m, v, lr, beta1, beta2, epsilon, mCoef, gCoef, vCoef);
  }

  rmspropUpdate(
    w: Float32Array,
    g: Float32Array,
    v: Float32Array,
    lr: number,
    rho: number,
    epsilon: number,
  ): void {
    this.addon.rmspropUpdate(w, g, v, lr, rho, epsilon);
  }

  adagradUpdate(
    w: Float32Array,
    g: Float32Array,
    accumulator: Float32Array,
    lr: number,
    epsilon: number,
  ): void {
    this.addon.adagradUpdate(w, g, accumulator, lr, epsilon);
  }

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
  ): void {
    this.addon.batchNormForwardTrain(
      n, c, x, gamma, beta, epsilon, momentum,
      movingMean, movingVariance, mean, invStd, xhat, y,
    );
  }

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
  ): void {
    this.addon.batchNormForwardInference(
      n, c, x, gamma, beta, epsilon, movingMean, movingVariance, y,
    );
  }

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
  ): void {
    this.addon.batchNormBackward(n, c, dy, xhat, gamma, invStd, dx, dgamma, dbeta);
  }
}
