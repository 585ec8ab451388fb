/**
 * Stochastic gradient descent with optional momentum and Nesterov momentum,
 * in Keras's form (defaults learningRate 0.01, momentum 0):
 *
 *   momentum 0:  w = w - lr * g
 *   momentum m:  v = m * v - lr * g;  w = w + v
 *   nesterov:    v = m * v - lr * g;  w = w + m * v - lr * g
 *
 * For a constant learning rate this equals PyTorch's SGD (b = m*b + g;
 * w -= lr * b) with v = -lr * b.
 */
import type { Backend } from "../engine/backend.js";
import { ConfigError } from "../errors.js";
import { clipsGradients } from "./clipping.js";
import { Optimizer, type BaseOptimizerConfig } from "./optimizer.js";

export interface SgdConfig extends BaseOptimizerConfig {
  /** @default 0.01 */
  learningRate?: number;
  /** @default 0 */
  momentum?: number;
  /** @default false */
  nesterov?: boolean;
}

export class SGD extends Optimizer {
  readonly id = "sgd";
  readonly momentum: number;
  readonly nesterov: boolean;
  private velocity: Float32Array | null = null;

  constructor(config: SgdConfig = {}) {
    super(config, 0.01);
    this.momentum = config.momentum ?? 0;
    this.nesterov = config.nesterov ?? false;
    if (!(this.momentum >= 0 && this.momentum < 1)) {
      throw new ConfigError("momentum", this.momentum, "a number in [0, 1)");
    }
  }

  build(size: number): void {
    this.velocity = this.momentum > 0 ? new Float32Array(size) : null;
  }

  override fusableLearningRate(): number | null {
    const plain = this.momentum === 0 && !clipsGradients(this.clip) && !this.trackGradNorm;
    return plain ? this.learningRate : null;
  }

  protected override get foldsGradientScale(): boolean {
    return true;
  }

  protected update(backend: Backend, w: Float32Array, g: Float32Array, gradScale: number): void {
    // The gradient enters SGD only through lr * g, so a clip scale folds into lr.
    backend.sgdUpdate(w, g, this.velocity, this.learningRate * gradScale, this.momentum, this.nesterov);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), momentum: this.momentum, nesterov: this.nesterov };
  }
}
