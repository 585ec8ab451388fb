/**
 * The layer contract: build from an input shape, then explicit forward and
 * backward passes over caller-sized batches.
 *
 * A layer owns its output and gradient buffers and keeps its forward cache
 * (the input it saw, pre-activations) until the matching backward call.
 * Buffers are allocated once per batch size and reused, so a training step
 * allocates nothing. Shapes exclude the batch dimension N.
 */
import type { Backend } from "../engine/backend.js";
import type { Rng } from "../engine/rng.js";
import { Weight } from "./weight.js";

/** Model services a layer receives at build time. */
export interface BuildContext {
  backend: Backend;
  /** Draws initial weights, and the training noise of rrelu. */
  rng: Rng;
}

export abstract class Layer {
  abstract readonly className: string;
  readonly weights: Weight[] = [];
  protected backend!: Backend;
  protected rng!: Rng;
  inputShape: number[] = [];
  outputShape: number[] = [];

  constructor(public name: string) {}

  /** Creates the weights for `inputShape` and returns the output shape. */
  build(inputShape: number[], context: BuildContext): number[] {
    this.backend = context.backend;
    this.rng = context.rng;
    this.inputShape = inputShape;
    this.outputShape = this.computeOutputShape(inputShape, context);
    return this.outputShape;
  }

  protected abstract computeOutputShape(
    inputShape: number[],
    context: BuildContext,
  ): number[];

  /** Returns the layer's output for x (N x inputSize); keeps what backward needs. */
  abstract forward(x: Float32Array, n: number, training: boolean): Float32Array;

  /**
   * Writes the weight gradients for the last forward call and returns
   * dL/dx, or null when `needInputGrad` is false (the first layer).
   */
  abstract backward(
    dy: Float32Array,
    n: number,
    needInputGrad: boolean,
  ): Float32Array | null;

  /**
   * Backward pass fused with a plain SGD step (w -= lr * dw) on this layer's
   * trainable weights; returns dL/dx computed with the weights from before
   * the step. Layers whose update can be folded into a kernel override it.
   */
  backwardAndUpdate(
    dy: Float32Array,
    n: number,
    needInputGrad: boolean,
    learningRate: number,
  ): Float32Array | null {
    const dx = this.backward(dy, n, needInputGrad);
    for (const w of this.weights) {
      if (w.grad) this.backend.sgdUpdate(w.value, w.grad, null, learningRate, 0, false);
    }
    return dx;
  }

  /** The layer's constructor options, as plain JSON. */
  abstract getConfig(): Record<string, unknown>;

  get inputSize(): number {
    return product(this.inputShape);
  }

  get outputSize(): number {
    return product(this.outputShape);
  }

  protected addWeight(name: string, shape: number[], value: Float32Array, trainable: boolean): Weight {
    const weight = new Weight(`${this.name}/${name}`, shape, value, trainable);
    this.weights.push(weight);
    return weight;
  }
}

export function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Float32 buffers per batch size. Training uses two sizes (full batches and
 * the last partial one) and evaluation one or two more, so a small cache
 * keeps every step allocation-free.
 */
export class BatchBuffers<T> {
  private readonly cache = new Map<number, T>();

  constructor(
    private readonly create: (n: number) => T,
    private readonly maxSizes = 6,
  ) {}

  get(n: number): T {
    let buffers = this.cache.get(n);
    if (!buffers) {
      if (this.cache.size >= this.maxSizes) {
        const oldest = this.cache.keys().next().value as number;
        this.cache.delete(oldest);
      }
      buffers = this.create(n);
      this.cache.set(n, buffers);
    }
    return buffers;
  }
}
