/**
 * Activations against PyTorch 1.13 float64 values (activations.json), on both
 * backends: the kernels directly, the Activation layer, and a Dense layer
 * with the activation fused. The Dense layer has an identity kernel and a
 * zero bias, so its pre-activation equals the fixture input exactly.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { ActivationKind, SELU_ALPHA, SELU_SCALE, type RreluNoise } from "../../src/engine/backend.js";
import { Rng } from "../../src/engine/rng.js";
import { ActivationLayer } from "../../src/nn/activation-layer.js";
import { ACTIVATION_IDS, parseActivation, type Activation, type ActivationConfig } from "../../src/nn/activations.js";
import { Dense } from "../../src/nn/dense.js";
import {
  BACKEND_CASES,
  FLOAT32_VS_FLOAT64,
  assertClose,
  f32,
  flat,
  loadFixture,
  type ActivationEntry,
} from "../helpers/fixtures.js";

const fixture = loadFixture("activations");
const entries = fixture.entries;
const elementwise = entries.filter((e) => e.name !== "softmax" && e.id !== "rrelu_train");
const rreluTrain = entries.find((e) => e.id === "rrelu_train")!;
const softmaxEntry = entries.find((e) => e.id === "softmax")!;
const SIZE = flat(rreluTrain.x).length;

/** Returns the trainlab activation config that reproduces a fixture entry. */
function activationConfigFor(entry: ActivationEntry): ActivationConfig {
  const p = entry.params;
  switch (entry.name) {
    case "leaky_relu":
      return { id: "leaky_relu", alpha: p.negative_slope! };
    case "elu":
      return { id: "elu", alpha: p.alpha! };
    case "gelu":
      return { id: p.approximate ? "gelu_tanh" : "gelu" };
    case "rrelu":
      return { id: "rrelu", lower: p.lower!, upper: p.upper! };
    default:
      return { id: entry.name as ActivationConfig["id"] };
  }
}

function activationFor(entry: ActivationEntry): Activation {
  return parseActivation(activationConfigFor(entry));
}

/** Returns an identity matrix, size x size, row-major. */
function identity(size: number): Float32Array {
  const m = new Float32Array(size * size);
  for (let i = 0; i < size; i++) m[i * size + i] = 1;
  return m;
}

/** Error of a slope recovered as y / x, where y carries one float32 rounding. */
const SLOPE_RECOVERY = 1e-6;

/** Float32 bounds of rrelu's slopes: the kernel rounds each drawn slope to float32. */
function slopeBounds(lower: number, upper: number): [number, number] {
  return [Math.fround(lower), Math.fround(upper)];
}

describe("activation fixture", () => {
  it("covers every activation id", () => {
    const covered = new Set(entries.map((e) => activationConfigFor(e).id));
    for (const id of ACTIVATION_IDS) assert.ok(covered.has(id), `no fixture entry for ${id}`);
  });

  it("selu constants match PyTorch", () => {
    const selu = entries.find((e) => e.id === "selu")!;
    assert.equal(SELU_ALPHA, selu.params.alpha);
    assert.equal(SELU_SCALE, selu.params.scale);
  });

  it("rrelu inference slope is the midpoint", () => {
    const p = entries.find((e) => e.id === "rrelu_eval")!.params;
    assert.equal(activationFor(rreluTrain).alpha, (p.lower! + p.upper!) / 2);
  });
});

for (const backendCase of BACKEND_CASES) {
  describe(`activations on ${backendCase.name}`, { skip: backendCase.skip }, () => {
    for (const entry of elementwise) {
      const activation = activationFor(entry);

      it(`${entry.id} kernel forward`, () => {
        const backend = backendCase.backend();
        const z = f32(entry.x);
        const y = new Float32Array(SIZE);
        backend.biasActivationForward(activation.kind, activation.alpha, 1, SIZE, z, null, y, null);
        assertClose(y, flat(entry.y), FLOAT32_VS_FLOAT64, `${entry.id} y`);
      });

      it(`${entry.id} kernel backward`, () => {
        const backend = backendCase.backend();
        const z = f32(entry.x);
        const y = new Float32Array(SIZE);
        const dz = new Float32Array(SIZE);
        backend.biasActivationForward(activation.kind, activation.alpha, 1, SIZE, z, null, y, null);
        backend.activationBackward(activation.kind, activation.alpha, SIZE, z, y, f32(entry.dy), dz, null);
        assertClose(dz, flat(entry.dx), FLOAT32_VS_FLOAT64, `${entry.id} dx`);
      });

      it(`${entry.id} Activation layer`, () => {
        const layer = new ActivationLayer(activationConfigFor(entry));
        layer.build([SIZE], { backend: backendCase.backend(), rng: new Rng(1) });
        // Inference mode: rrelu_eval is the fixed-slope form.
        const y = layer.forward(f32(entry.x), 1, false);
        assertClose(y, flat(entry.y), FLOAT32_VS_FLOAT64, `${entry.id} layer y`);
        const dx = layer.backward(f32(entry.dy), 1, true)!;
        assertClose(dx, flat(entry.dx), FLOAT32_VS_FLOAT64, `${entry.id} layer dx`);
      });

      it(`${entry.id} fused in Dense`, () => {
        const layer = new Dense({ units: SIZE, activation: activationConfigFor(entry) });
        layer.build([SIZE], { backend: backendCase.backend(), rng: new Rng(1) });
        layer.kernel.value.set(identity(SIZE));
        layer.bias!.value.fill(0);
        const y = layer.forward(f32(entry.x), 1, false);
        assertClose(y, flat(entry.y), FLOAT32_VS_FLOAT64, `${entry.id} Dense y`);
        const dx = layer.backward(f32(entry.dy), 1, true)!;
        assertClose(dx, flat(entry.dx), FLOAT32_VS_FLOAT64, `${entry.id} Dense dx`);
        // The bias gradient of one row is dz itself.
        assertClose(layer.bias!.grad!, flat(entry.dx), FLOAT32_VS_FLOAT64, `${entry.id} Dense dbias`);
      });
    }

    it("rrelu training backward uses the slopes", () => {
      const backend = backendCase.backend();
      const activation = activationFor(rreluTrain);
      const noise: RreluNoise = {
        slopes: f32(rreluTrain.slopes!),
        rngState: new Rng(3).state,
        lower: activation.lower,
        upper: activation.upper,
      };
      const z = f32(rreluTrain.x);
      const y = f32(rreluTrain.y);
      const dz = new Float32Array(SIZE);
      backend.activationBackward(ActivationKind.rrelu, activation.alpha, SIZE, z, y, f32(rreluTrain.dy), dz, noise);
      assertClose(dz, flat(rreluTrain.dx), FLOAT32_VS_FLOAT64, "rrelu_train dx");
    });

    it("rrelu training forward draws slopes", () => {
      const backend = backendCase.backend();
      const activation = activationFor(rreluTrain);
      const [lo, hi] = slopeBounds(activation.lower, activation.upper);
      const rng = new Rng(5);
      const stateBefore = rng.state.slice();
      const noise: RreluNoise = {
        slopes: new Float32Array(SIZE).fill(NaN),
        rngState: rng.state,
        lower: activation.lower,
        upper: activation.upper,
      };
      const x = f32(rreluTrain.x);
      const z = x.slice();
      const y = new Float32Array(SIZE);
      backend.biasActivationForward(ActivationKind.rrelu, activation.alpha, 1, SIZE, z, null, y, noise);

      const negativeSlopes: number[] = [];
      for (let i = 0; i < SIZE; i++) {
        const slope = noise.slopes[i]!;
        if (x[i]! < 0) {
          negativeSlopes.push(slope);
          assert.ok(slope >= lo, `slope[${i}] = ${slope} for x = ${x[i]} is below ${lo}`);
          assert.ok(slope <= hi, `slope[${i}] = ${slope} for x = ${x[i]} is above ${hi}`);
        } else {
          assert.equal(slope, 1, `slope[${i}] for x = ${x[i]} >= 0`);
        }
        // A float32 product of two float32 values is exact in float64, so
        // one rounding to float32 gives the kernel's result bit for bit.
        assert.equal(y[i], Math.fround(x[i]! * slope), `y[${i}] = x * slope`);
      }
      assert.ok(negativeSlopes.length > 10, `only ${negativeSlopes.length} negative inputs`);
      assert.ok(new Set(negativeSlopes).size > negativeSlopes.length / 2, "slopes are not drawn independently");
      assert.notDeepEqual(rng.state, stateBefore, "the RNG state did not advance");

      const dz = new Float32Array(SIZE);
      const dy = f32(rreluTrain.dy);
      backend.activationBackward(ActivationKind.rrelu, activation.alpha, SIZE, z, y, dy, dz, noise);
      const expected = Array.from(dy, (g, i) => g * noise.slopes[i]!);
      // dz is one float32 rounding (at most 6e-8 relative) of dy * slope.
      assertClose(dz, expected, { rtol: 1e-7, atol: 0 }, "rrelu_train dx with drawn slopes");
    });

    it("rrelu layer backward uses drawn slopes", () => {
      const activation = activationFor(rreluTrain);
      const [lo, hi] = slopeBounds(activation.lower, activation.upper);
      const layer = new ActivationLayer(activationConfigFor(rreluTrain));
      layer.build([SIZE], { backend: backendCase.backend(), rng: new Rng(9) });
      const x = f32(rreluTrain.x);
      const y = layer.forward(x, 1, true).slice();
      const dy = f32(rreluTrain.dy);
      const dx = layer.backward(dy, 1, true)!;
      const slopes = Array.from(x, (v, i) => (v < 0 ? y[i]! / v : 1));
      for (let i = 0; i < SIZE; i++) {
        if (x[i]! < 0) {
          assert.ok(slopes[i]! >= lo - SLOPE_RECOVERY, `slope[${i}] = ${slopes[i]} is below ${lo}`);
          assert.ok(slopes[i]! <= hi + SLOPE_RECOVERY, `slope[${i}] = ${slopes[i]} is above ${hi}`);
        } else {
          assert.equal(y[i], x[i], `y[${i}] for x >= 0`);
        }
      }
      const expected = Array.from(dy, (g, i) => g * slopes[i]!);
      assertClose(dx, expected, { rtol: 1e-6, atol: 0 }, "rrelu layer dx = dy * y / x");
    });

    it("rrelu layer redraws slopes each step", () => {
      const layer = new ActivationLayer(activationConfigFor(rreluTrain));
      layer.build([SIZE], { backend: backendCase.backend(), rng: new Rng(9) });
      const x = f32(rreluTrain.x);
      const first = layer.forward(x, 1, true).slice();
      const second = layer.forward(x, 1, true).slice();
      assert.notDeepEqual(second, first, "two training steps drew the same slopes");
    });

    it("rrelu layer inference is deterministic", () => {
      const rreluEval = entries.find((e) => e.id === "rrelu_eval")!;
      const layer = new ActivationLayer(activationConfigFor(rreluTrain));
      layer.build([SIZE], { backend: backendCase.backend(), rng: new Rng(9) });
      const first = layer.forward(f32(rreluEval.x), 1, false).slice();
      const second = layer.forward(f32(rreluEval.x), 1, false).slice();
      assert.deepEqual(second, first);
      assertClose(second, flat(rreluEval.y), FLOAT32_VS_FLOAT64, "rrelu_eval layer y");
    });

    it("softmax forward", () => {
      const backend = backendCase.backend();
      const rows = (softmaxEntry.x as number[][]).length;
      const cols = (softmaxEntry.x as number[][])[0]!.length;
      const probs = new Float32Array(rows * cols);
      backend.softmax(rows, cols, f32(softmaxEntry.x), probs);
      assertClose(probs, flat(softmaxEntry.y), FLOAT32_VS_FLOAT64, "softmax y");
      const rowSums = Array.from({ length: rows }, (_, i) =>
        probs.subarray(i * cols, (i + 1) * cols).reduce((a, b) => a + b, 0),
      );
      assertClose(rowSums, new Array(rows).fill(1), { rtol: 0, atol: 1e-6 }, "softmax row sums");
    });
  });
}
