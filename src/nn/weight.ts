/**
 * A model variable: its value and, when trainable, its gradient. After the
 * model is built, the value and gradient of every trainable weight are views
 * into two flat buffers, so the optimizer and the clipping pass each run as
 * one kernel call over all parameters.
 */
export class Weight {
  /** The gradient, written by the owning layer's backward pass; null when frozen. */
  grad: Float32Array | null;

  constructor(
    readonly name: string,
    readonly shape: readonly number[],
    public value: Float32Array,
    readonly trainable: boolean,
  ) {
    this.grad = trainable ? new Float32Array(value.length) : null;
  }

  get size(): number {
    return this.value.length;
  }
}
