/**
 * The GEMM-only bound of a training step: the matrix products of the Dense
 * layers' forward and backward passes, with the same shapes, transposes and
 * order, through the same `backend.gemm`, and nothing else. Per Dense layer
 * (x: N x fan_in, kernel: fan_in x units):
 *
 *   forward   z = x . kernel                       (N x units)
 *   backward  dx = dz . kernel^T                   (N x fan_in), skipped for the first layer
 *             kernel = kernel - lr * x^T . dz      (fan_in x units, alpha -lr, beta 1)
 *
 * The weight-gradient product accumulates into the kernel (beta 1), as
 * trainlab's plain-SGD step does since the update was folded into it. That is
 * the cheapest way to issue it: a product into a separate gradient buffer
 * (beta 0) also zeroes and writes that buffer. No engine that computes these
 * products with this BLAS can train a step in less time, so a step's ratio
 * to this bound measures everything that is not a matrix product:
 * activations, loss, bias and batch-norm updates, and call overhead.
 */
import type { Backend } from "../src/engine/backend.js";
import { Rng } from "../src/engine/rng.js";
import type { ModelSpec } from "./models.js";
import { denseShapes } from "./models.js";

/** SGD learning rate of the folded update; only its magnitude matters for timing. */
const LEARNING_RATE = 0.01;

interface LayerBuffers {
  fanIn: number;
  units: number;
  x: Float32Array;
  kernel: Float32Array;
  z: Float32Array;
  dz: Float32Array;
  dx: Float32Array;
}

/** Returns a function that issues one step's matrix products for `spec`. */
export function buildGemmStep(spec: ModelSpec, backend: Backend): () => void {
  const rng = new Rng(11);
  const fill = (size: number) => {
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = rng.uniform() - 0.5;
    return values;
  };
  const n = spec.batch;
  const layers: LayerBuffers[] = denseShapes(spec).map(([fanIn, units]) => ({
    fanIn,
    units,
    x: fill(n * fanIn),
    kernel: fill(fanIn * units),
    z: new Float32Array(n * units),
    dz: fill(n * units),
    dx: new Float32Array(n * fanIn),
  }));

  // The update alternates its sign, so with fixed x and dz the kernels
  // oscillate around their start values instead of drifting without bound.
  let sign = 1;
  return () => {
    for (const l of layers) {
      backend.gemm(false, false, n, l.units, l.fanIn, 1, l.x, l.kernel, 0, l.z);
    }
    sign = -sign;
    for (let i = layers.length - 1; i >= 0; i--) {
      const l = layers[i]!;
      if (i > 0) backend.gemm(false, true, n, l.fanIn, l.units, 1, l.dz, l.kernel, 0, l.dx);
      backend.gemm(true, false, l.fanIn, l.units, n, sign * LEARNING_RATE, l.x, l.dz, 1, l.kernel);
    }
  };
}
