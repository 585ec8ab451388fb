/**
 * Adagrad (Duchi et al. 2011) in Keras 3's form, defaults learningRate
 * 0.001, initialAccumulatorValue 0.1, epsilon 1e-7:
 *
 *   acc = acc + g^2;  w = w - lr * g / sqrt(acc + epsilon)
 *
 * PyTorch defaults to lr 0.01, accumulator 0 and divides by sqrt(acc) + eps.
 */
import type { Backend } from "../engine/backend.js";
import { ConfigError } from "../errors.js";
import { Optimizer, type BaseOptimizerConfig } from "./optimizer.js";
import { checkEpsilon } from "./checks.js";

export interface AdagradConfig extends BaseOptimizerConfig {
  /** @default 0.001 */
  learningRate?: number;
  /** @default 0.1 */
  initialAccumulatorValue?: number;
  /** @default 1e-7 */
  epsilon?: number;
}

export class Adagrad extends Optimizer {
  readonly id = "adagrad";
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;
  private accumulator!: Float32Array;

  constructor(config: AdagradConfig = {}) {
    super(config, 0.001);
    this.initialAccumulatorValue = config.initialAccumulatorValue ?? 0.1;
    if (!(this.initialAccumulatorValue >= 0) || !Number.isFinite(this.initialAccumulatorValue)) {
      throw new ConfigError("initialAccumulatorValue", this.initialAccumulatorValue, "a finite number >= 0");
    }
    this.epsilon = checkEpsilon(config.epsilon ?? 1e-7);
  }

  build(size: number): void {
    this.accumulator = new Float32Array(size).fill(this.initialAccumulatorValue);
  }

  protected update(backend: Backend, w: Float32Array, g: Float32Array): void {
    backend.adagradUpdate(w, g, this.accumulator, this.learningRate, this.epsilon);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      initialAccumulatorValue: this.initialAccumulatorValue,
      epsilon: this.epsilon,
    };
  }
}
