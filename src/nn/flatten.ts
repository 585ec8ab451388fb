/**
 * Flatten: reshapes each sample to a vector. Data is already stored
 * row-major per sample, so forward and backward pass buffers through and
 * only the shape changes.
 */
import { Layer } from "./layer.js";

let flattenCount = 0;

export class Flatten extends Layer {
  readonly className = "Flatten";

  constructor(name?: string) {
    super(name ?? `flatten_${++flattenCount}`);
  }

  protected computeOutputShape(inputShape: number[]): number[] {
    return [inputShape.reduce((a, b) => a * b, 1)];
  }

  forward(x: Float32Array): Float32Array {
    return x;
  }

  backward(dy: Float32Array, _n: number, needInputGrad: boolean): Float32Array | null {
    return needInputGrad ? dy : null;
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name };
  }
}
