/**
 * A standalone activation layer, as Keras's `Activation`, for placing an
 * activation after batch normalization.
 *
 * Shapes: x, y (N x C).   forward: y = f(x)   backward: dx = dy * f'(x)
 */
import type { RreluNoise } from "../engine/backend.js";
import type { ActivationConfig } from "./activations.js";
import { activationConfig, parseActivation, type Activation } from "./activations.js";
import { ConfigError } from "../errors.js";
import { BatchBuffers, Layer } from "./layer.js";

interface ActivationBuffers {
  y: Float32Array;
  dx: Float32Array;
  slopes: Float32Array | null;
}

let activationCount = 0;

export class ActivationLayer extends Layer {
  readonly className = "Activation";
  readonly activation: Activation;
  private buffers!: BatchBuffers<ActivationBuffers>;
  private x: Float32Array | null = null;
  private noise: RreluNoise | null = null;

  constructor(activation: string | ActivationConfig, name?: string) {
    super(name ?? `activation_${++activationCount}`);
    this.activation = parseActivation(activation);
    if (this.activation.id === "softmax") {
      throw new ConfigError("activation", "softmax", "softmax only on a Dense output layer");
    }
  }

  protected computeOutputShape(inputShape: number[]): number[] {
    const size = inputShape.reduce((a, b) => a * b, 1);
    const rrelu = this.activation.id === "rrelu";
    this.buffers = new BatchBuffers((n) => ({
      y: new Float32Array(n * size),
      dx: new Float32Array(n * size),
      slopes: rrelu ? new Float32Array(n * size) : null,
    }));
    return inputShape;
  }

  forward(x: Float32Array, n: number, training: boolean): Float32Array {
    const b = this.buffers.get(n);
    const a = this.activation;
    this.x = x;
    this.noise =
      training && b.slopes
        ? { slopes: b.slopes, rngState: this.rng.state, lower: a.lower, upper: a.upper }
        : null;
    // With a null bias the kernel only reads x.
    this.backend.biasActivationForward(a.kind, a.alpha, n, this.outputSize, x, null, b.y, this.noise);
    return b.y;
  }

  backward(dy: Float32Array, n: number, needInputGrad: boolean): Float32Array | null {
    if (!needInputGrad) return null;
    const b = this.buffers.get(n);
    const a = this.activation;
    this.backend.activationBackward(a.kind, a.alpha, n * this.outputSize, this.x!, b.y, dy, b.dx, this.noise);
    return b.dx;
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, activation: activationConfig(this.activation) };
  }
}
