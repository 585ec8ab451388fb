/**
 * A sequential model, as Keras's `Sequential`: a stack of layers built for an
 * input shape, trained with one optimizer and one loss.
 *
 * After build, the values and gradients of all trainable weights live in two
 * flat buffers (`parameters`), so one kernel call clips or updates them all.
 */
import type { Backend } from "../engine/backend.js";
import { Rng } from "../engine/rng.js";
import { ConfigError } from "../errors.js";
import type { Optimizer, Parameters } from "../optim/optimizer.js";
import { Dense } from "./dense.js";
import type { Layer } from "./layer.js";
import type { BatchStats, Loss } from "./losses.js";
import { createLoss, emptyStats } from "./losses.js";
import type { Weight } from "./weight.js";

export interface SequentialArgs {
  layers: Layer[];
  /** Shape of one sample, without the batch dimension, e.g. [784] or [28, 28]. */
  inputShape: number[];
  backend: Backend;
  /** Seeds weight initialization and training noise. @default 0 */
  seed?: number;
  /** A generator to draw from instead of `seed`. */
  rng?: Rng;
}

export interface CompileArgs {
  optimizer: Optimizer;
  /** Keras loss id. */
  loss: string;
}

/** Evaluation results, averaged over samples. */
export interface EvaluateResult {
  loss: number;
  /** Classification only. */
  accuracy?: number;
  /** Regression only. */
  mae?: number;
  mse?: number;
}

export class Sequential {
  readonly layers: Layer[];
  readonly inputShape: number[];
  readonly backend: Backend;
  readonly rng: Rng;
  readonly parameters: Parameters;
  /** Every weight, trainable or not, in layer order. */
  readonly weights: Weight[];
  optimizer: Optimizer | null = null;
  loss: Loss | null = null;
  /** Set by a callback to end fit() after the current epoch, as in Keras. */
  stopTraining = false;
  /**
   * Let layers fold a plain SGD step into their backward kernels. The
   * stored gradients are then stale, so observers that read them turn this off.
   */
  fuseUpdates = true;
  private outputGrad = new Map<number, Float32Array>();

  constructor(args: SequentialArgs) {
    if (args.layers.length === 0) throw new ConfigError("layers", [], "at least one layer");
    this.layers = args.layers;
    this.inputShape = args.inputShape;
    this.backend = args.backend;
    this.rng = args.rng ?? new Rng(args.seed ?? 0);
    let shape = args.inputShape;
    for (const layer of this.layers) {
      shape = layer.build(shape, { backend: this.backend, rng: this.rng });
    }
    this.weights = this.layers.flatMap((l) => l.weights);
    this.parameters = packTrainable(this.weights);
  }

  get outputSize(): number {
    return this.layers[this.layers.length - 1]!.outputSize;
  }

  get inputSize(): number {
    return this.inputShape.reduce((a, b) => a * b, 1);
  }

  /** Count of trainable scalars. */
  get trainableCount(): number {
    return this.parameters.values.length;
  }

  compile(args: CompileArgs): void {
    this.optimizer = args.optimizer;
    this.optimizer.build(this.parameters.values.length);
    this.loss = createLoss(args.loss);
    const last = this.layers[this.layers.length - 1];
    const softmaxOutput = last instanceof Dense && last.activation.id === "softmax";
    if (this.loss.classification) {
      // Cross-entropy reads logits: fuse the output softmax into the loss.
      if (!(last instanceof Dense) || (!softmaxOutput && last.activation.id !== "linear")) {
        throw new ConfigError(
          "loss",
          args.loss,
          "an output Dense layer with softmax or linear (logits) activation",
        );
      }
      last.returnLogits = true;
    } else if (softmaxOutput) {
      throw new ConfigError("loss", args.loss, "sparse_categorical_crossentropy with a softmax output");
    }
  }

  /** Runs the layers forward and returns the output buffer (N x outputs). */
  forward(x: Float32Array, n: number, training: boolean): Float32Array {
    let out = x;
    for (const layer of this.layers) out = layer.forward(out, n, training);
    return out;
  }

  /**
   * Runs one training step on a batch: forward, loss, backward, clipping and
   * the optimizer update. Adds the batch's sums to `stats`.
   */
  trainOnBatch(x: Float32Array, y: Int32Array | Float32Array, n: number, stats: BatchStats): void {
    const { optimizer, loss } = this.requireCompiled();
    const out = this.forward(x, n, true);
    const dOut = this.outputGradBuffer(n);
    loss.compute(this.backend, out, y, n, this.outputSize, dOut, stats);
    const fusedRate = this.fuseUpdates ? optimizer.fusableLearningRate() : null;
    let grad: Float32Array | null = dOut;
    for (let i = this.layers.length - 1; i >= 0 && grad; i--) {
      const layer = this.layers[i]!;
      grad =
        fusedRate === null
          ? layer.backward(grad, n, i > 0)
          : layer.backwardAndUpdate(grad, n, i > 0, fusedRate);
    }
    if (fusedRate === null) optimizer.step(this.backend, this.parameters);
    else optimizer.countFusedStep();
  }

  /** Loss and metrics over a data set, in inference mode, in large batches. */
  evaluate(
    x: Float32Array,
    y: Int32Array | Float32Array,
    options: { batchSize?: number } = {},
  ): EvaluateResult {
    const { loss } = this.requireCompiled();
    const count = this.countRows(x);
    const batchSize = options.batchSize ?? 1024;
    const stats = emptyStats();
    const outputs = this.outputSize;
    for (let start = 0; start < count; start += batchSize) {
      const n = Math.min(batchSize, count - start);
      const xb = x.subarray(start * this.inputSize, (start + n) * this.inputSize);
      const yb = y.subarray(start * (loss.classification ? 1 : outputs), (start + n) * (loss.classification ? 1 : outputs));
      const out = this.forward(xb, n, false);
      loss.compute(this.backend, out, yb, n, outputs, null, stats);
    }
    return summarize(stats, count, outputs, loss.classification);
  }

  /**
   * Model outputs for x (count x outputs). A softmax output layer fused with
   * the loss still returns probabilities here, as Keras's predict does.
   */
  predict(x: Float32Array, options: { batchSize?: number } = {}): Float32Array {
    const count = this.countRows(x);
    const batchSize = options.batchSize ?? 1024;
    const outputs = this.outputSize;
    const result = new Float32Array(count * outputs);
    const last = this.layers[this.layers.length - 1];
    const fusedSoftmax = last instanceof Dense && last.returnLogits && last.activation.id === "softmax";
    for (let start = 0; start < count; start += batchSize) {
      const n = Math.min(batchSize, count - start);
      const out = this.forward(x.subarray(start * this.inputSize, (start + n) * this.inputSize), n, false);
      const dst = result.subarray(start * outputs, (start + n) * outputs);
      if (fusedSoftmax) this.backend.softmax(n, outputs, out, dst);
      else dst.set(out.subarray(0, n * outputs));
    }
    return result;
  }

  /** Copies of every weight's values, in layer order (as Keras get_weights). */
  getWeights(): Float32Array[] {
    return this.weights.map((w) => w.value.slice());
  }

  setWeights(values: Float32Array[]): void {
    if (values.length !== this.weights.length) {
      throw new ConfigError("weights", values.length, `${this.weights.length} arrays`);
    }
    values.forEach((v, i) => {
      const w = this.weights[i]!;
      if (v.length !== w.size) {
        throw new ConfigError(`weights[${i}] (${w.name})`, v.length, `${w.size} values`);
      }
      w.value.set(v);
    });
  }

  /** Returns the architecture as plain JSON, one entry per layer. */
  getConfig(): Record<string, unknown> {
    return {
      inputShape: this.inputShape,
      layers: this.layers.map((l) => ({ className: l.className, config: l.getConfig() })),
    };
  }

  private requireCompiled(): { optimizer: Optimizer; loss: Loss } {
    if (!this.optimizer || !this.loss) throw new Error("call compile() before training or evaluating");
    return { optimizer: this.optimizer, loss: this.loss };
  }

  private outputGradBuffer(n: number): Float32Array {
    let buffer = this.outputGrad.get(n);
    if (!buffer) {
      buffer = new Float32Array(n * this.outputSize);
      this.outputGrad.set(n, buffer);
    }
    return buffer;
  }

  private countRows(x: Float32Array): number {
    if (x.length % this.inputSize !== 0) {
      throw new ConfigError("x.length", x.length, `a multiple of the sample size ${this.inputSize}`);
    }
    return x.length / this.inputSize;
  }
}

/** Averages batch sums over `count` samples into Keras-style metrics. */
export function summarize(
  stats: BatchStats,
  count: number,
  outputs: number,
  classification: boolean,
): EvaluateResult {
  const loss = stats.lossSum / count;
  if (classification) return { loss, accuracy: stats.correct / count };
  return {
    loss,
    mae: stats.absErrorSum / (count * outputs),
    mse: stats.squaredErrorSum / (count * outputs),
  };
}

/** Moves trainable weights into two flat buffers and re-points them as views. */
function packTrainable(weights: Weight[]): Parameters {
  const trainable = weights.filter((w) => w.trainable);
  const size = trainable.reduce((sum, w) => sum + w.size, 0);
  const values = new Float32Array(size);
  const grads = new Float32Array(size);
  const gradViews: Float32Array[] = [];
  let offset = 0;
  for (const w of trainable) {
    values.set(w.value, offset);
    w.value = values.subarray(offset, offset + w.size);
    w.grad = grads.subarray(offset, offset + w.size);
    gradViews.push(w.grad);
    offset += w.size;
  }
  return { values, grads, gradViews };
}
