/**
 * Batch normalization over the last axis (Ioffe and Szegedy 2015), with
 * Keras's semantics and defaults: momentum 0.99, epsilon 1e-3, gamma ones,
 * beta zeros, moving_mean zeros, moving_variance ones.
 *
 * Shapes: x, y (N x C); gamma, beta, moving_mean, moving_variance (C).
 *
 *   training:  mean, var = batch mean and biased variance of x
 *              y = gamma * (x - mean) / sqrt(var + epsilon) + beta
 *              moving = moving * momentum + batch * (1 - momentum)
 *   inference: y = gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta
 *   backward:  dx = invstd/N * (N*dxhat - sum(dxhat) - xhat * sum(dxhat*xhat)),
 *              dxhat = dy * gamma;  dgamma = sum(dy * xhat);  dbeta = sum(dy)
 *
 * Momentum convention: Keras weighs the OLD moving value by `momentum`.
 * PyTorch's BatchNorm1d weighs the NEW batch value, so Keras 0.99 equals
 * PyTorch 0.01. PyTorch also updates running_var with the unbiased batch
 * variance; this layer follows Keras and uses the biased one.
 */
import { ConfigError } from "../errors.js";
import { BatchBuffers, Layer } from "./layer.js";
import type { Weight } from "./weight.js";

export interface BatchNormalizationArgs {
  /** Weight of the old moving statistics. @default 0.99 */
  momentum?: number;
  /** Added to the variance before the square root. @default 1e-3 */
  epsilon?: number;
  /** Learn beta. @default true */
  center?: boolean;
  /** Learn gamma. @default true */
  scale?: boolean;
  name?: string;
}

export const BATCH_NORM_MOMENTUM = 0.99;
export const BATCH_NORM_EPSILON = 1e-3;

interface BatchNormBuffers {
  xhat: Float32Array;
  y: Float32Array;
  dx: Float32Array;
}

let batchNormCount = 0;

export class BatchNormalization extends Layer {
  readonly className = "BatchNormalization";
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;

  gamma!: Weight;
  beta!: Weight;
  movingMean!: Weight;
  movingVariance!: Weight;
  private batchMean!: Float32Array;
  private invStd!: Float32Array;
  private buffers!: BatchBuffers<BatchNormBuffers>;
  private trainingForward = false;
  // Gradients of a frozen gamma or beta are computed here, then dropped.
  private discardGamma!: Float32Array;
  private discardBeta!: Float32Array;

  constructor(args: BatchNormalizationArgs = {}) {
    super(args.name ?? `batch_normalization_${++batchNormCount}`);
    this.momentum = args.momentum ?? BATCH_NORM_MOMENTUM;
    this.epsilon = args.epsilon ?? BATCH_NORM_EPSILON;
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    if (!(this.momentum >= 0 && this.momentum <= 1)) {
      throw new ConfigError("momentum", this.momentum, "a number in [0, 1]");
    }
    if (!(this.epsilon > 0) || !Number.isFinite(this.epsilon)) {
      throw new ConfigError("epsilon", this.epsilon, "a finite number > 0");
    }
  }

  protected computeOutputShape(inputShape: number[]): number[] {
    const c = inputShape.reduce((a, b) => a * b, 1);
    const ones = () => new Float32Array(c).fill(1);
    this.gamma = this.addWeight("gamma", [c], ones(), this.scale);
    this.beta = this.addWeight("beta", [c], new Float32Array(c), this.center);
    this.movingMean = this.addWeight("moving_mean", [c], new Float32Array(c), false);
    this.movingVariance = this.addWeight("moving_variance", [c], ones(), false);
    this.batchMean = new Float32Array(c);
    this.invStd = new Float32Array(c);
    this.discardGamma = new Float32Array(c);
    this.discardBeta = new Float32Array(c);
    this.buffers = new BatchBuffers((n) => ({
      xhat: new Float32Array(n * c),
      y: new Float32Array(n * c),
      dx: new Float32Array(n * c),
    }));
    return inputShape;
  }

  forward(x: Float32Array, n: number, training: boolean): Float32Array {
    const b = this.buffers.get(n);
    const c = this.outputSize;
    this.trainingForward = training;
    if (training) {
      this.backend.batchNormForwardTrain(
        n, c, x, this.gamma.value, this.beta.value, this.epsilon, this.momentum,
        this.movingMean.value, this.movingVariance.value,
        this.batchMean, this.invStd, b.xhat, b.y,
      );
    } else {
      this.backend.batchNormForwardInference(
        n, c, x, this.gamma.value, this.beta.value, this.epsilon,
        this.movingMean.value, this.movingVariance.value, b.y,
      );
    }
    return b.y;
  }

  backward(dy: Float32Array, n: number, needInputGrad: boolean): Float32Array | null {
    if (!this.trainingForward) {
      throw new Error(`${this.name}: backward needs a training-mode forward pass`);
    }
    const b = this.buffers.get(n);
    this.backend.batchNormBackward(
      n, this.outputSize, dy, b.xhat, this.gamma.value, this.invStd, b.dx,
      this.gamma.grad ?? this.discardGamma,
      this.beta.grad ?? this.discardBeta,
    );
    return needInputGrad ? b.dx : null;
  }

  getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
    };
  }
}
