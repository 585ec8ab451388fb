/**
 * Nadam (Dozat 2016) in Keras 3's form, defaults learningRate 0.001, beta1
 * 0.9, beta2 0.999, epsilon 1e-7, with the momentum schedule
 * u_t = beta1 * (1 - 0.5 * 0.96^t):
 *
 *   m = m + (g - m)(1 - beta1);  v = v + (g^2 - v)(1 - beta2)
 *   m_hat = u_{t+1} m / (1 - prod_{i<=t+1} u_i) + (1 - u_t) g / (1 - prod_{i<=t} u_i)
 *   v_hat = v / (1 - beta2^t)
 *   w = w - lr * m_hat / (sqrt(v_hat) + epsilon)
 *
 * PyTorch's NAdam uses 0.96^(0.004 t) (its momentum_decay), so it differs.
 */
import type { Backend } from "../engine/backend.js";
import { Optimizer, type BaseOptimizerConfig } from "./optimizer.js";
import { checkBeta, checkEpsilon } from "./checks.js";

export interface NadamConfig extends BaseOptimizerConfig {
  /** @default 0.001 */
  learningRate?: number;
  /** @default 0.9 */
  beta1?: number;
  /** @default 0.999 */
  beta2?: number;
  /** @default 1e-7 */
  epsilon?: number;
}

export class Nadam extends Optimizer {
  readonly id = "nadam";
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private m!: Float32Array;
  private v!: Float32Array;
  /** prod_{i<=t} u_i, carried across steps as Keras's _u_product. */
  private uProduct = 1;

  constructor(config: NadamConfig = {}) {
    super(config, 0.001);
    this.beta1 = checkBeta("beta1", config.beta1 ?? 0.9);
    this.beta2 = checkBeta("beta2", config.beta2 ?? 0.999);
    this.epsilon = checkEpsilon(config.epsilon ?? 1e-7);
  }

  build(size: number): void {
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
    this.uProduct = 1;
  }

  protected update(backend: Backend, w: Float32Array, g: Float32Array): void {
    const t = this.iterations;
    const uT = this.beta1 * (1 - 0.5 * 0.96 ** t);
    const uNext = this.beta1 * (1 - 0.5 * 0.96 ** (t + 1));
    this.uProduct *= uT;
    const uProductNext = this.uProduct * uNext;
    const mCoef = uNext / (1 - uProductNext);
    const gCoef = (1 - uT) / (1 - this.uProduct);
    const vCoef = 1 / (1 - this.beta2 ** t);
    backend.nadamUpdate(
      w, g, this.m, this.v, this.learningRate, this.beta1, this.beta2, this.epsilon,
      mCoef, gCoef, vCoef,
    );
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}
