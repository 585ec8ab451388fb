/**
 * Adam (Kingma and Ba 2015) in Keras 3's form, defaults learningRate 0.001,
 * beta1 0.9, beta2 0.999, epsilon 1e-7:
 *
 *   m = m + (g - m)(1 - beta1);  v = v + (g^2 - v)(1 - beta2)
 *   w = w - lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + epsilon)
 *
 * This is PyTorch's Adam with epsilon scaled by sqrt(1 - beta2^t) ("epsilon
 * hat"), so the two differ slightly in the first steps.
 */
import type { Backend } from "../engine/backend.js";
import { Optimizer, type BaseOptimizerConfig } from "./optimizer.js";
import { checkBeta, checkEpsilon } from "./checks.js";

export interface AdamConfig extends BaseOptimizerConfig {
  /** @default 0.001 */
  learningRate?: number;
  /** @default 0.9 */
  beta1?: number;
  /** @default 0.999 */
  beta2?: number;
  /** @default 1e-7 */
  epsilon?: number;
}

export class Adam extends Optimizer {
  readonly id = "adam";
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private m!: Float32Array;
  private v!: Float32Array;

  constructor(config: AdamConfig = {}) {
    super(config, 0.001);
    this.beta1 = checkBeta("beta1", config.beta1 ?? 0.9);
    this.beta2 = checkBeta("beta2", config.beta2 ?? 0.999);
    this.epsilon = checkEpsilon(config.epsilon ?? 1e-7);
  }

  build(size: number): void {
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
  }

  protected update(backend: Backend, w: Float32Array, g: Float32Array): void {
    const t = this.iterations;
    const stepSize =
      (this.learningRate * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t);
    backend.adamUpdate(w, g, this.m, this.v, stepSize, this.beta1, this.beta2, this.epsilon);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}
