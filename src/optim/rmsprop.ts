/**
 * RMSprop (Tieleman and Hinton 2012) in Keras 3's form, defaults
 * learningRate 0.001, rho 0.9, epsilon 1e-7, no momentum, not centered:
 *
 *   v = rho * v + (1 - rho) * g^2;  w = w - lr * g / sqrt(v + epsilon)
 *
 * PyTorch divides by sqrt(v) + eps instead, and defaults alpha (rho) to 0.99.
 */
import type { Backend } from "../engine/backend.js";
import { Optimizer, type BaseOptimizerConfig } from "./optimizer.js";
import { checkBeta, checkEpsilon } from "./checks.js";

export interface RmspropConfig extends BaseOptimizerConfig {
  /** @default 0.001 */
  learningRate?: number;
  /** @default 0.9 */
  rho?: number;
  /** @default 1e-7 */
  epsilon?: number;
}

export class RMSprop extends Optimizer {
  readonly id = "rmsprop";
  readonly rho: number;
  readonly epsilon: number;
  private v!: Float32Array;

  constructor(config: RmspropConfig = {}) {
    super(config, 0.001);
    this.rho = checkBeta("rho", config.rho ?? 0.9);
    this.epsilon = checkEpsilon(config.epsilon ?? 1e-7);
  }

  build(size: number): void {
    this.v = new Float32Array(size);
  }

  protected update(backend: Backend, w: Float32Array, g: Float32Array): void {
    backend.rmspropUpdate(w, g, this.v, this.learningRate, this.rho, this.epsilon);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rho: this.rho, epsilon: this.epsilon };
  }
}
