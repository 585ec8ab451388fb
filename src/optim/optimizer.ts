/**
 * The optimizer contract. An optimizer updates every trainable parameter in
 * one kernel call over the model's flat parameter and gradient buffers,
 * after optional gradient clipping (a Keras optimizer option).
 */
import type { Backend } from "../engine/backend.js";
import type { ClipOptions } from "./clipping.js";
import { clipGradients, clipsGradients, validateClipOptions } from "./clipping.js";

export type OptimizerId = "sgd" | "adam" | "nadam" | "rmsprop" | "adagrad";

/** Options shared by every optimizer. */
export interface BaseOptimizerConfig extends ClipOptions {
  learningRate?: number;
}

/** The flat parameter view the model hands to its optimizer. */
export interface Parameters {
  values: Float32Array;
  grads: Float32Array;
  /** Per-variable views into `grads`, for per-variable clipping. */
  gradViews: readonly Float32Array[];
}

export abstract class Optimizer {
  abstract readonly id: OptimizerId;
  /** The current learning rate; schedules and callbacks may change it. */
  learningRate: number;
  /** Completed update steps, as Keras's `iterations`. */
  iterations = 0;
  /** Pre-clip global gradient norm of the last step, or NaN when not computed. */
  lastGradNorm = Number.NaN;
  readonly clip: ClipOptions;
  /** Compute the gradient norm every step even without clipping (diagnostics). */
  trackGradNorm = false;

  constructor(config: BaseOptimizerConfig, defaultLearningRate: number) {
    this.learningRate = config.learningRate ?? defaultLearningRate;
    this.clip = {
      clipvalue: config.clipvalue,
      clipnorm: config.clipnorm,
      globalClipnorm: config.globalClipnorm,
    };
    validateClipOptions(this.clip);
  }

  /** Allocates the slot buffers (moments, velocities) for `size` parameters. */
  abstract build(size: number): void;

  /** Clips, then applies one update to params.values. */
  step(backend: Backend, params: Parameters): void {
    let gradScale = 1;
    const globalClipnorm = this.clip.globalClipnorm;
    if (globalClipnorm !== undefined && this.foldsGradientScale) {
      // Same result as scaling the gradients first, without that pass.
      const norm = Math.sqrt(backend.sumSquares(params.grads));
      this.lastGradNorm = norm;
      if (norm > globalClipnorm) gradScale = globalClipnorm / norm;
    } else if (clipsGradients(this.clip)) {
      this.lastGradNorm = clipGradients(backend, params.grads, params.gradViews, this.clip);
    } else if (this.trackGradNorm) {
      this.lastGradNorm = Math.sqrt(backend.sumSquares(params.grads));
    }
    this.iterations++;
    this.update(backend, params.values, params.grads, gradScale);
  }

  /**
   * True when update() can apply a gradient scale itself (it enters the
   * update linearly, as in SGD), so global clipping needs no separate pass.
   */
  protected get foldsGradientScale(): boolean {
    return false;
  }

  /**
   * Returns the learning rate when this step is a plain w -= lr * g and
   * nothing reads the gradients (no clipping, no norm tracking), so layers
   * may fold it into their backward kernels. Returns null otherwise.
   */
  fusableLearningRate(): number | null {
    return null;
  }

  /** Counts a step whose update the layers applied themselves. */
  countFusedStep(): void {
    this.iterations++;
  }

  /**
   * Applies the update rule for step `this.iterations` (1-based) to the
   * gradient g times gradScale; gradScale is 1 unless foldsGradientScale.
   */
  protected abstract update(
    backend: Backend,
    w: Float32Array,
    g: Float32Array,
    gradScale: number,
  ): void;

  /** Returns the optimizer's options as plain JSON with Keras names. */
  getConfig(): Record<string, unknown> {
    return {
      id: this.id,
      learningRate: this.learningRate,
      ...Object.fromEntries(Object.entries(this.clip).filter(([, v]) => v !== undefined)),
    };
  }
}
