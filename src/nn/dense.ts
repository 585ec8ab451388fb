/**
 * Dense (fully connected) layer with its activation fused, as Keras's
 * `Dense(units, activation)`.
 *
 * Shapes: x (N x fan_in), kernel (fan_in x units), bias (units),
 * z and y (N x units).
 *
 *   forward:  z = x . kernel + bias;  y = f(z)
 *   backward: dz = dy * f'(z)
 *             dkernel = x^T . dz;  dbias = sum over N of dz;  dx = dz . kernel^T
 *
 * With a softmax output and cross-entropy loss the model fuses softmax into
 * the loss: the layer then returns the logits z, and backward receives dz.
 */
import type { RreluNoise } from "../engine/backend.js";
import { ActivationKind } from "../engine/backend.js";
import { ConfigError } from "../errors.js";
import type { Activation, ActivationConfig } from "./activations.js";
import { activationConfig, parseActivation } from "./activations.js";
import type { InitializerConfig } from "./initializers.js";
import { initialize, parseInitializer } from "./initializers.js";
import type { BuildContext } from "./layer.js";
import { BatchBuffers, Layer } from "./layer.js";
import type { Weight } from "./weight.js";

export interface DenseArgs {
  units: number;
  /** @default "linear" */
  activation?: string | ActivationConfig;
  /** @default true */
  useBias?: boolean;
  /** @default "glorot_uniform" (as Keras; TensorFlow.js uses glorotNormal) */
  kernelInitializer?: string | InitializerConfig;
  /** @default "zeros" */
  biasInitializer?: string | InitializerConfig;
  name?: string;
}

interface DenseBuffers {
  z: Float32Array;
  y: Float32Array;
  dz: Float32Array;
  dx: Float32Array;
  slopes: Float32Array | null;
}

let denseCount = 0;

export class Dense extends Layer {
  readonly className = "Dense";
  readonly units: number;
  readonly activation: Activation;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerConfig;
  readonly biasInitializer: InitializerConfig;
  /** Set by the model when softmax is fused into the loss. */
  returnLogits = false;

  kernel!: Weight;
  bias: Weight | null = null;
  private buffers!: BatchBuffers<DenseBuffers>;
  private x: Float32Array | null = null;
  private training = false;
  private rreluNoise: RreluNoise | null = null;

  constructor(args: DenseArgs) {
    super(args.name ?? `dense_${++denseCount}`);
    if (!Number.isInteger(args.units) || args.units < 1) {
      throw new ConfigError("units", args.units, "an integer >= 1");
    }
    this.units = args.units;
    this.activation = parseActivation(args.activation ?? "linear");
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = parseInitializer(
      args.kernelInitializer ?? "glorot_uniform",
      "kernelInitializer",
    );
    this.biasInitializer = parseInitializer(args.biasInitializer ?? "zeros", "biasInitializer");
  }

  protected computeOutputShape(inputShape: number[], context: BuildContext): number[] {
    const fanIn = inputShape.reduce((a, b) => a * b, 1);
    const shape = [fanIn, this.units];
    this.kernel = this.addWeight("kernel", shape, initialize(this.kernelInitializer, shape, context.rng), true);
    if (this.useBias) {
      this.bias = this.addWeight("bias", [this.units], initialize(this.biasInitializer, [this.units], context.rng), true);
    }
    const units = this.units;
    const rrelu = this.activation.id === "rrelu";
    this.buffers = new BatchBuffers((n) => {
      const z = new Float32Array(n * units);
      return {
        z,
        // Linear output needs no separate buffer: y is z.
        y: this.activation.kind === ActivationKind.linear ? z : new Float32Array(n * units),
        dz: new Float32Array(n * units),
        dx: new Float32Array(n * fanIn),
        slopes: rrelu ? new Float32Array(n * units) : null,
      };
    });
    return [units];
  }

  forward(x: Float32Array, n: number, training: boolean): Float32Array {
    const b = this.buffers.get(n);
    const fanIn = this.inputSize;
    this.x = x;
    this.training = training;
    this.backend.gemm(false, false, n, this.units, fanIn, 1, x, this.kernel.value, 0, b.z);

    if (this.activation.id === "softmax" && !this.returnLogits) {
      if (this.bias) this.addBias(n, b.z);
      this.backend.softmax(n, this.units, b.z, b.y);
      return b.y;
    }
    this.rreluNoise =
      training && b.slopes
        ? { slopes: b.slopes, rngState: this.rng.state, lower: this.activation.lower, upper: this.activation.upper }
        : null;
    this.backend.biasActivationForward(
      this.activation.kind,
      this.activation.alpha,
      n,
      this.units,
      b.z,
      this.bias ? this.bias.value : null,
      b.y,
      this.rreluNoise,
    );
    return b.y;
  }

  backward(dy: Float32Array, n: number, needInputGrad: boolean): Float32Array | null {
    const dz = this.activationGrad(dy, n);
    const fanIn = this.inputSize;
    // dkernel = x^T . dz  (fan_in x units)
    this.backend.gemm(true, false, fanIn, this.units, n, 1, this.x!, dz, 0, this.kernel.grad!);
    // dbias = column sums of dz
    if (this.bias) this.backend.columnSum(n, this.units, dz, this.bias.grad!);
    return needInputGrad ? this.inputGrad(dz, n) : null;
  }

  /**
   * The backward pass with plain SGD folded into the kernel product:
   * kernel = kernel - lr * x^T . dz in one gemm (alpha -lr, beta 1), so the
   * kernel gradient is never stored and no separate update pass runs.
   */
  override backwardAndUpdate(
    dy: Float32Array,
    n: number,
    needInputGrad: boolean,
    learningRate: number,
  ): Float32Array | null {
    const dz = this.activationGrad(dy, n);
    // dx needs the kernel from before the step, so it comes first.
    const dx = needInputGrad ? this.inputGrad(dz, n) : null;
    this.backend.gemm(true, false, this.inputSize, this.units, n, -learningRate, this.x!, dz, 1, this.kernel.value);
    if (this.bias) {
      this.backend.columnSum(n, this.units, dz, this.bias.grad!);
      this.backend.sgdUpdate(this.bias.value, this.bias.grad!, null, learningRate, 0, false);
    }
    return dx;
  }

  /** dz = dy * f'(z); a linear activation passes dy through unchanged. */
  private activationGrad(dy: Float32Array, n: number): Float32Array {
    if (!this.x) throw new Error(`${this.name}: backward called before forward`);
    if (this.activation.id === "softmax" && !this.returnLogits) {
      throw new Error(`${this.name}: softmax backward is only supported fused with cross-entropy`);
    }
    if (this.activation.kind === ActivationKind.linear) return dy;
    const b = this.buffers.get(n);
    const noise = this.training ? this.rreluNoise : null;
    this.backend.activationBackward(this.activation.kind, this.activation.alpha, n * this.units, b.z, b.y, dy, b.dz, noise);
    return b.dz;
  }

  /** dx = dz . kernel^T  (N x fan_in) */
  private inputGrad(dz: Float32Array, n: number): Float32Array {
    const b = this.buffers.get(n);
    this.backend.gemm(false, true, n, this.inputSize, this.units, 1, dz, this.kernel.value, 0, b.dx);
    return b.dx;
  }

  getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      units: this.units,
      activation: activationConfig(this.activation),
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
      biasInitializer: this.biasInitializer,
    };
  }

  private addBias(n: number, z: Float32Array): void {
    this.backend.biasActivationForward(ActivationKind.linear, 0, n, this.units, z, this.bias!.value, z, null);
  }
}
