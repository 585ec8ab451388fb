/**
 * Finite-difference gradient checks on the reference backend: every analytic
 * gradient that backward writes (all trainable parameters and the input) is
 * compared with the central difference (L(v + h) - L(v - h)) / 2h of the
 * model's own loss.
 *
 * Precision: the model stores float32, so the loss carries a rounding error
 * of a few 1e-8 relative, which a central difference divides by 2h. With
 * h = 1e-3 on inputs and weights of magnitude about 1, that noise is about
 * 1e-4 of a unit loss, while the truncation error (h^2 times the third
 * derivative) stays near 1e-6. Each comparison therefore allows
 * |analytic - numeric| <= 1e-4 + 1e-2 * |numeric|. The step actually taken is
 * the float32-rounded one, fround(v + h) - v, not h itself.
 *
 * Kinks (relu, leaky_relu, elu, selu, rrelu at 0) would make the difference
 * meaningless, so every pre-activation is kept at least KINK_MARGIN away from
 * 0, far more than any single perturbation can move it.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { createBackend } from "../../src/engine/index.js";
import { Rng } from "../../src/engine/rng.js";
import { ActivationLayer } from "../../src/nn/activation-layer.js";
import { ACTIVATION_IDS, type ActivationConfig } from "../../src/nn/activations.js";
import { BatchNormalization } from "../../src/nn/batch-normalization.js";
import { Dense } from "../../src/nn/dense.js";
import type { Layer } from "../../src/nn/layer.js";
import { emptyStats } from "../../src/nn/losses.js";
import { Sequential } from "../../src/nn/sequential.js";
import { SGD } from "../../src/optim/sgd.js";
import { assertClose, type Tolerance } from "../helpers/fixtures.js";

const backend = createBackend({ backend: "reference" });
const H = 1e-3;
const GRADIENT_TOLERANCE: Tolerance = { rtol: 1e-2, atol: 1e-4 };
/** The smallest allowed |pre-activation|. A perturbation of 1e-3 moves one by at most about 3e-3 here. */
const KINK_MARGIN = 0.02;

/** A model, one batch and the mode to differentiate in. */
interface Problem {
  model: Sequential;
  x: Float32Array;
  y: Int32Array | Float32Array;
  n: number;
  training: boolean;
  /** Called before every forward pass, e.g. to replay the same rrelu noise. */
  beforeForward?: () => void;
}

function buildModel(layers: Layer[], inputs: number, loss: string, seed = 1): Sequential {
  const model = new Sequential({ layers, inputShape: [inputs], backend, seed });
  // The optimizer never steps here, but compile needs one.
  model.compile({ optimizer: new SGD(), loss });
  return model;
}

/** Returns the mean loss over the batch, as trainOnBatch reports it. */
function lossOf(p: Problem): number {
  p.beforeForward?.();
  const out = p.model.forward(p.x, p.n, p.training);
  const stats = emptyStats();
  p.model.loss!.compute(backend, out, p.y, p.n, p.model.outputSize, null, stats);
  return stats.lossSum / p.n;
}

/** Backpropagates the loss and returns the flat parameter gradient and the input gradient. */
function analyticGradients(p: Problem): { params: Float32Array; input: Float32Array } {
  p.beforeForward?.();
  const out = p.model.forward(p.x, p.n, p.training);
  const dOut = new Float32Array(p.n * p.model.outputSize);
  p.model.loss!.compute(backend, out, p.y, p.n, p.model.outputSize, dOut, emptyStats());
  let grad: Float32Array = dOut;
  for (let i = p.model.layers.length - 1; i >= 0; i--) {
    grad = p.model.layers[i]!.backward(grad, p.n, true)!;
  }
  return { params: p.model.parameters.grads.slice(), input: grad.slice() };
}

/** Returns central differences of the loss for every element of `values`, which it restores afterwards. */
function numericGradients(p: Problem, values: Float32Array): Float64Array {
  const result = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    values[i] = v + H;
    const up = values[i]! - v;
    const lossUp = lossOf(p);
    values[i] = v - H;
    const down = v - values[i]!;
    const lossDown = lossOf(p);
    values[i] = v;
    result[i] = (lossUp - lossDown) / (up + down);
  }
  return result;
}

/** Checks the parameter gradients (when the model has any) and the input gradient. */
function checkGradients(p: Problem, label: string): void {
  const analytic = analyticGradients(p);
  const numericInput = numericGradients(p, p.x);
  assertClose(analytic.input, numericInput, GRADIENT_TOLERANCE, `${label} dx`);
  // Each weight is checked on its own, so a failure names the variable.
  let offset = 0;
  const numericParams = numericGradients(p, p.model.parameters.values);
  for (const weight of p.model.weights.filter((w) => w.trainable)) {
    const end = offset + weight.size;
    assertClose(
      analytic.params.subarray(offset, end),
      numericParams.subarray(offset, end),
      GRADIENT_TOLERANCE,
      `${label} d${weight.name}`,
    );
    offset = end;
  }
  assert.ok(
    numericInput.some((g) => Math.abs(g) > 1e-3),
    `${label}: every input gradient is below 1e-3, so the check proves nothing`,
  );
}

function uniform(rng: Rng, size: number, lo: number, hi: number): Float32Array {
  return Float32Array.from({ length: size }, () => lo + (hi - lo) * rng.uniform());
}

/** Returns min |x . W + b| over the batch, computed in float64. */
function minAbsPreactivation(layer: Dense, x: Float32Array, n: number): number {
  const fanIn = layer.inputSize;
  const units = layer.units;
  let min = Infinity;
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < units; j++) {
      let z = layer.bias ? layer.bias.value[j]! : 0;
      for (let k = 0; k < fanIn; k++) z += x[r * fanIn + k]! * layer.kernel.value[k * units + j]!;
      min = Math.min(min, Math.abs(z));
    }
  }
  return min;
}

/**
 * Draws a batch from U(-1, 1) for the first layer, redrawing until every
 * pre-activation is at least KINK_MARGIN away from 0. The draws are seeded,
 * so the batch is the same on every run.
 */
function inputClearOfKinks(rng: Rng, layer: Dense, n: number): Float32Array {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const x = uniform(rng, n * layer.inputSize, -1, 1);
    if (minAbsPreactivation(layer, x, n) > KINK_MARGIN) return x;
  }
  throw new Error(`no batch of ${n} rows keeps every pre-activation of ${layer.name} ${KINK_MARGIN} from 0`);
}

/** Sets every bias to small distinct values, so bias gradients are not all checked at 0. */
function offsetBiases(model: Sequential, rng: Rng): void {
  for (const layer of model.layers) {
    if (layer instanceof Dense && layer.bias) layer.bias.value.set(uniform(rng, layer.units, -0.2, 0.2));
  }
}

/** Sample inputs for the elementwise activations: both sides of 0, never near it. */
const KINK_SIDES = Float32Array.from([-2.5, -1.1, -0.3, -0.05, 0.05, 0.3, 1.1, 2.5]);

/** Every hidden activation, with non-default parameters where it has them. */
const ACTIVATIONS: ActivationConfig[] = ACTIVATION_IDS.filter((id) => id !== "softmax").map((id) => {
  if (id === "leaky_relu") return { id, alpha: 0.2 };
  if (id === "elu") return { id, alpha: 0.5 };
  return { id };
});

describe("gradient check", () => {
  it("dense relu softmax cross-entropy", () => {
    const rng = new Rng(11);
    const n = 5;
    const model = buildModel(
      [new Dense({ units: 4, activation: "relu" }), new Dense({ units: 3, activation: "softmax" })],
      3,
      "sparse_categorical_crossentropy",
    );
    offsetBiases(model, rng);
    const x = inputClearOfKinks(rng, model.layers[0] as Dense, n);
    const y = Int32Array.from({ length: n }, () => rng.int(3));
    checkGradients({ model, x, y, n, training: true }, "dense relu softmax");
  });

  it("regression mse", () => {
    const rng = new Rng(12);
    const n = 4;
    const model = buildModel(
      [new Dense({ units: 5, activation: "tanh" }), new Dense({ units: 2 })],
      3,
      "mse",
    );
    offsetBiases(model, rng);
    const x = uniform(rng, n * 3, -1, 1);
    const y = uniform(rng, n * 2, -1, 1);
    checkGradients({ model, x, y, n, training: true }, "regression mse");
  });

  it("batch norm in training mode", () => {
    const rng = new Rng(13);
    const n = 6;
    const c = 3;
    const layer = new BatchNormalization();
    const model = buildModel([layer], c, "mse");
    layer.gamma.value.set([1.5, 0.7, -0.9]);
    layer.beta.value.set([0.1, -0.3, 0.2]);
    // Columns with different means and spreads, so each normalizes differently.
    const x = Float32Array.from({ length: n * c }, (_, i) => (i % c) - 1 + (0.5 + (i % c)) * (rng.uniform() - 0.5));
    const y = uniform(rng, n * c, -1, 1);
    checkGradients({ model, x, y, n, training: true }, "batch norm");
  });

  it("dense, batch norm, tanh stack", () => {
    // The "before" placement: Dense without bias, batch norm, activation.
    const rng = new Rng(14);
    const n = 6;
    const model = buildModel(
      [
        new Dense({ units: 4, useBias: false }),
        new BatchNormalization(),
        new ActivationLayer("tanh"),
        new Dense({ units: 2 }),
      ],
      3,
      "mse",
    );
    offsetBiases(model, rng);
    const x = uniform(rng, n * 3, -1, 1);
    const y = uniform(rng, n * 2, -1, 1);
    checkGradients({ model, x, y, n, training: true }, "dense batch norm tanh");
  });

  for (const activation of ACTIVATIONS) {
    it(`${activation.id} activation layer`, () => {
      const rng = new Rng(15);
      const size = KINK_SIDES.length;
      const model = buildModel([new ActivationLayer(activation)], size, "mse");
      const y = uniform(rng, size, -1, 1);
      // Inference mode: rrelu uses its fixed midpoint slope.
      checkGradients({ model, x: KINK_SIDES.slice(), y, n: 1, training: false }, `${activation.id} layer`);
    });

    it(`${activation.id} fused in Dense`, () => {
      const rng = new Rng(16);
      const n = 4;
      const model = buildModel([new Dense({ units: 4, activation }), new Dense({ units: 2 })], 3, "mse");
      offsetBiases(model, rng);
      const x = inputClearOfKinks(rng, model.layers[0] as Dense, n);
      const y = uniform(rng, n * 2, -1, 1);
      checkGradients({ model, x, y, n, training: false }, `${activation.id} Dense`);
    });
  }

  it("rrelu training with fixed noise", () => {
    // Restoring the RNG before each forward pass draws the same slopes every
    // time, so the loss is a smooth function of the input.
    const rng = new Rng(17);
    const size = KINK_SIDES.length;
    const model = buildModel([new ActivationLayer("rrelu")], size, "mse");
    const saved = model.rng.state.slice();
    const y = uniform(rng, size, -1, 1);
    checkGradients(
      {
        model,
        x: KINK_SIDES.slice(),
        y,
        n: 1,
        training: true,
        beforeForward: () => model.rng.state.set(saved),
      },
      "rrelu training",
    );
  });
});
