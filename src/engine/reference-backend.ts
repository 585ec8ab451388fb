/**
 * The reference backend: every kernel as a plain TypeScript loop, computed in
 * float64 and stored as float32. It is slow and obviously correct, the oracle
 * that the native backend is tested against, and the fallback when the addon
 * is not built. The semantics of each kernel are documented on `Backend`.
 */
import type { Backend, RreluNoise } from "./backend.js";
import { ActivationKind, RegressionLossKind } from "./backend.js";
import { activate, derivative } from "./activation-math.js";
import { Rng } from "./rng.js";

export class ReferenceBackend implements Backend {
  readonly name = "reference" as const;

  setThreads(_threads: number): void {}
  getThreads(): number {
    return 1;
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
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) {
          const aip = transA ? a[p * m + i]! : a[i * k + p]!;
          const bpj = transB ? b[j * k + p]! : b[p * n + j]!;
          sum += aip * bpj;
        }
        // beta == 0 overwrites C, so NaN or garbage in C never leaks through.
        const old = beta === 0 ? 0 : beta * c[i * n + j]!;
        c[i * n + j] = alpha * sum + old;
      }
    }
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
    const rng = rrelu ? rngFromState(rrelu.rngState) : null;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < c; j++) {
        const idx = i * c + j;
        const zij = bias ? Math.fround(z[idx]! + bias[j]!) : z[idx]!;
        z[idx] = zij;
        if (rrelu && rng) {
          // Only negative inputs draw a slope, as in PyTorch's CPU kernel.
          let slope = 1;
          if (zij < 0) {
            const u = rng.uniform();
            slope = Math.fround(rrelu.lower + (rrelu.upper - rrelu.lower) * u);
          }
          rrelu.slopes[idx] = slope;
          y[idx] = zij * slope;
        } else {
          y[idx] = activate(kind, alpha, zij);
        }
      }
    }
    if (rrelu && rng) rrelu.rngState.set(rng.state);
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
    for (let i = 0; i < size; i++) {
      const slope = rrelu ? rrelu.slopes[i]! : derivative(kind, alpha, z[i]!, y[i]!);
      dz[i] = dy[i]! * slope;
    }
  }

  columnSum(n: number, c: number, x: Float32Array, out: Float32Array): void {
    for (let j = 0; j < c; j++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += x[i * c + j]!;
      out[j] = sum;
    }
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
    let lossSum = 0;
    let correct = 0;
    for (let i = 0; i < n; i++) {
      const row = i * c;
      let max = -Infinity;
      let argmax = 0;
      for (let j = 0; j < c; j++) {
        if (logits[row + j]! > max) {
          max = logits[row + j]!;
          argmax = j;
        }
      }
      let sumExp = 0;
      for (let j = 0; j < c; j++) sumExp += Math.exp(logits[row + j]! - max);
      const label = labels[i]!;
      // loss = logsumexp(z) - z[label], stable because max was subtracted.
      lossSum += Math.log(sumExp) + max - logits[row + label]!;
      if (argmax === label) correct++;
      if (dlogits) {
        for (let j = 0; j < c; j++) {
          const p = Math.exp(logits[row + j]! - max) / sumExp;
          dlogits[row + j] = (p - (j === label ? 1 : 0)) * gradScale;
        }
      }
    }
    stats[0] = lossSum;
    stats[1] = correct;
  }

  softmax(n: number, c: number, logits: Float32Array, probs: Float32Array): void {
    for (let i = 0; i < n; i++) {
      const row = i * c;
      let max = -Infinity;
      for (let j = 0; j < c; j++) max = Math.max(max, logits[row + j]!);
      let sumExp = 0;
      for (let j = 0; j < c; j++) sumExp += Math.exp(logits[row + j]! - max);
      for (let j = 0; j < c; j++) {
        probs[row + j] = Math.exp(logits[row + j]! - max) / sumExp;
      }
    }
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
    let lossSum = 0;
    let absSum = 0;
    let sqSum = 0;
    for (let i = 0; i < size; i++) {
      const e = pred[i]! - target[i]!;
      const ae = Math.abs(e);
      absSum += ae;
      sqSum += e * e;
      let loss: number;
      let grad: number;
      if (kind === RegressionLossKind.mse) {
        loss = e * e;
        grad = 2 * e;
      } else if (kind === RegressionLossKind.mae) {
        loss = ae;
        grad = Math.sign(e);
      } else {
        // Huber: quadratic within delta, linear beyond.
        loss = ae <= delta ? 0.5 * e * e : delta * ae - 0.5 * delta * delta;
        grad = ae <= delta ? e : delta * Math.sign(e);
      }
      lossSum += loss;
      if (dpred) dpred[i] = grad * gradScale;
    }
    stats[0] = lossSum;
    stats[1] = absSum;
    stats[2] = sqSum;
  }

  sumSquares(x: Float32Array): number {
    let sum = 0;
    for (let i = 0; i < x.length; i++) sum += x[i]! * x[i]!;
    return sum;
  }

  scale(x: Float32Array, s: number): void {
    for (let i = 0; i < x.length; i++) x[i] = x[i]! * s;
  }

  clip(x: Float32Array, lo: number, hi: number): void {
    for (let i = 0; i < x.length; i++) x[i] = Math.min(hi, Math.max(lo, x[i]!));
  }

  allFinite(x: Float32Array): boolean {
    for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i]!)) return false;
    return true;
  }

  gatherRows(
    src: Float32Array,
    width: number,
    indices: Int32Array,
    start: number,
    count: number,
    dst: Float32Array,
  ): void {
    for (let r = 0; r < count; r++) {
      const from = indices[start + r]! * width;
      dst.set(src.subarray(from, from + width), r * width);
    }
  }

  sgdUpdate(
    w: Float32Array,
    g: Float32Array,
    velocity: Float32Array | null,
    lr: number,
    momentum: number,
    nesterov: boolean,
  ): void {
    for (let i = 0; i < w.length; i++) {
      if (!velocity) {
        w[i] = w[i]! - lr * g[i]!;
        continue;
      }
      const v = momentum * velocity[i]! - lr * g[i]!;
      velocity[i] = v;
      w[i] = nesterov ? w[i]! + momentum * v - lr * g[i]! : w[i]! + v;
    }
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
    for (let i = 0; i < w.length; i++) {
      const gi = g[i]!;
      const mi = m[i]! + (gi - m[i]!) * (1 - beta1);
      const vi = v[i]! + (gi * gi - v[i]!) * (1 - beta2);
      m[i] = mi;
      v[i] = vi;
      w[i] = w[i]! - (stepSize * mi) / (Math.sqrt(vi) + epsilon);
    }
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
    for (let i = 0; i < w.length; i++) {
      const gi = g[i]!;
      const mi = m[i]! + (gi - m[i]!) * (1 - beta1);
      const vi = v[i]! + (gi * gi - v[i]!) * (1 - beta2);
      m[i] = mi;
      v[i] = vi;
      const mHat = mCoef * mi + gCoef * gi;
      w[i] = w[i]! - (lr * mHat) / (Math.sqrt(vi * vCoef) + epsilon);
    }
  }

  rmspropUpdate(
    w: Float32Array,
    g: Float32Array,
    v: Float32Array,
    lr: number,
    rho: number,
    epsilon: number,
  ): void {
    for (let i = 0; i < w.length; i++) {
      const gi = g[i]!;
      const vi = rho * v[i]! + (1 - rho) * gi * gi;
      v[i] = vi;
      w[i] = w[i]! - (lr * gi) / Math.sqrt(vi + epsilon);
    }
  }

  adagradUpdate(
    w: Float32Array,
    g: Float32Array,
    accumulator: Float32Array,
    lr: number,
    epsilon: number,
  ): void {
    for (let i = 0; i < w.length; i++) {
      const gi = g[i]!;
      const acc = accumulator[i]! + gi * gi;
      accumulator[i] = acc;
      w[i] = w[i]! - (lr * gi) / Math.sqrt(acc + epsilon);
    }
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
    for (let j = 0; j < c; j++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += x[i * c + j]!;
      const mu = sum / n;
      let sq = 0;
      for (let i = 0; i < n; i++) sq += (x[i * c + j]! - mu) ** 2;
      const variance = sq / n;
      const rstd = 1 / Math.sqrt(variance + epsilon);
      mean[j] = mu;
      invStd[j] = rstd;
      for (let i = 0; i < n; i++) {
        const h = (x[i * c + j]! - mu) * rstd;
        xhat[i * c + j] = h;
        y[i * c + j] = gamma[j]! * h + beta[j]!;
      }
      movingMean[j] = movingMean[j]! * momentum + mu * (1 - momentum);
      movingVariance[j] = movingVariance[j]! * momentum + variance * (1 - momentum);
    }
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
    for (let j = 0; j < c; j++) {
      const rstd = 1 / Math.sqrt(movingVariance[j]! + epsilon);
      for (let i = 0; i < n; i++) {
        const h = (x[i * c + j]! - movingMean[j]!) * rstd;
        y[i * c + j] = gamma[j]! * h + beta[j]!;
      }
    }
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
    for (let j = 0; j < c; j++) {
      let sumDy = 0;
      let sumDyXhat = 0;
      for (let i = 0; i < n; i++) {
        sumDy += dy[i * c + j]!;
        sumDyXhat += dy[i * c + j]! * xhat[i * c + j]!;
      }
      dbeta[j] = sumDy;
      dgamma[j] = sumDyXhat;
      // With dxhat = dy * gamma, the sums of dxhat are gamma times these.
      const g = gamma[j]!;
      const k = invStd[j]! / n;
      for (let i = 0; i < n; i++) {
        const idx = i * c + j;
        dx[idx] = k * (n * g * dy[idx]! - g * sumDy - xhat[idx]! * g * sumDyXhat);
      }
    }
  }
}

/** Returns an Rng that continues from an existing xoshiro state. */
function rngFromState(state: Uint32Array): Rng {
  const rng = new Rng(0);
  rng.state.set(state);
  return rng;
}
