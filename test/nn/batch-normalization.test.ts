/**
 * BatchNormalization against torch.nn.BatchNorm1d(eps=1e-3, momentum=0.01)
 * in float64 and the Keras moving-statistics formula (batch_norm.json), on
 * both backends: training-mode output and gradients, batch statistics, the
 * Keras moving-average update (momentum 0.99, biased variance), inference
 * with the moving statistics, and the switch from training to inference.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import type { Backend } from "../../src/engine/backend.js";
import { Rng } from "../../src/engine/rng.js";
import { ConfigError } from "../../src/errors.js";
import {
  BATCH_NORM_EPSILON,
  BATCH_NORM_MOMENTUM,
  BatchNormalization,
} from "../../src/nn/batch-normalization.js";
import {
  BACKEND_CASES,
  FLOAT32_VS_FLOAT64,
  assertClose,
  f32,
  flat,
  loadFixture,
  maxAbsDifference,
} from "../helpers/fixtures.js";

const fx = loadFixture("batch_norm");
const N = fx.x.length;
const C = fx.gamma.length;
const TOL = FLOAT32_VS_FLOAT64;

/** Builds the layer with the fixture's gamma, beta and moving statistics. */
function fixtureLayer(backend: Backend, movingMean: number[], movingVariance: number[]): BatchNormalization {
  const layer = new BatchNormalization({ epsilon: fx.eps, momentum: fx.keras_momentum });
  layer.build([C], { backend, rng: new Rng(1) });
  layer.gamma.value.set(fx.gamma);
  layer.beta.value.set(fx.beta);
  layer.movingMean.value.set(movingMean);
  layer.movingVariance.value.set(movingVariance);
  return layer;
}

function trainLayer(backend: Backend): BatchNormalization {
  return fixtureLayer(backend, fx.train.running_mean_before, fx.train.running_var_before);
}

/** Returns y = gamma * (x - mean) / sqrt(variance + eps) + beta in float64, row-major N x C. */
function normalize(x: Float32Array, mean: ArrayLike<number>, variance: ArrayLike<number>): number[] {
  return Array.from(x, (v, idx) => {
    const j = idx % C;
    return (fx.gamma[j]! * (v - mean[j]!)) / Math.sqrt(variance[j]! + fx.eps) + fx.beta[j]!;
  });
}

describe("batch_norm fixture", () => {
  it("momenta are Keras 0.99 and torch 0.01", () => {
    assert.equal(fx.keras_momentum, BATCH_NORM_MOMENTUM);
    // 1 - 0.99 is 0.010000000000000009 in float64.
    assert.ok(Math.abs(fx.torch_momentum - (1 - BATCH_NORM_MOMENTUM)) < 1e-15, "torch momentum is 1 - Keras momentum");
  });

  it("layer defaults are Keras's", () => {
    const layer = new BatchNormalization();
    assert.equal(layer.momentum, 0.99);
    assert.equal(layer.epsilon, 1e-3);
    assert.equal(BATCH_NORM_EPSILON, fx.eps);
  });

  it("rejects momentum above 1", () => {
    assert.throws(
      () => new BatchNormalization({ momentum: 1.5 }),
      (err: unknown) => err instanceof ConfigError && err.field === "momentum",
    );
  });

  it("rejects epsilon 0", () => {
    assert.throws(
      () => new BatchNormalization({ epsilon: 0 }),
      (err: unknown) => err instanceof ConfigError && err.field === "epsilon",
    );
  });
});

for (const backendCase of BACKEND_CASES) {
  describe(`batch normalization on ${backendCase.name}`, { skip: backendCase.skip }, () => {
    it("training output matches", () => {
      const layer = trainLayer(backendCase.backend());
      const y = layer.forward(f32(fx.x), N, true);
      assertClose(y, flat(fx.train.y), TOL, "train y");
    });

    it("training gradients match", () => {
      const layer = trainLayer(backendCase.backend());
      layer.forward(f32(fx.x), N, true);
      const dx = layer.backward(f32(fx.dy), N, true)!;
      assertClose(dx, flat(fx.train.dx), TOL, "train dx");
      assertClose(layer.gamma.grad!, fx.train.dgamma, TOL, "train dgamma");
      assertClose(layer.beta.grad!, fx.train.dbeta, TOL, "train dbeta");
    });

    it("kernel batch statistics match", () => {
      const backend = backendCase.backend();
      const mean = new Float32Array(C);
      const invStd = new Float32Array(C);
      backend.batchNormForwardTrain(
        N, C, f32(fx.x), f32(fx.gamma), f32(fx.beta), fx.eps, fx.keras_momentum,
        f32(fx.train.running_mean_before), f32(fx.train.running_var_before),
        mean, invStd, new Float32Array(N * C), new Float32Array(N * C),
      );
      assertClose(mean, fx.train.batch_mean, TOL, "batch mean");
      const expectedInvStd = fx.train.batch_var.map((v) => 1 / Math.sqrt(v + fx.eps));
      assertClose(invStd, expectedInvStd, TOL, "1 / sqrt(batch var + eps)");
      const variance = Array.from(invStd, (s) => 1 / (s * s) - fx.eps);
      assertClose(variance, fx.train.batch_var, TOL, "biased batch variance");
    });

    it("moving mean follows Keras", () => {
      const layer = trainLayer(backendCase.backend());
      layer.forward(f32(fx.x), N, true);
      assertClose(layer.movingMean.value, fx.train.keras_moving_mean, TOL, "moving_mean");
    });

    it("moving variance follows Keras", () => {
      const layer = trainLayer(backendCase.backend());
      layer.forward(f32(fx.x), N, true);
      assertClose(layer.movingVariance.value, fx.train.keras_moving_variance, TOL, "moving_variance");
    });

    it("moving variance uses biased variance", () => {
      // torch's running_var uses the unbiased variance. The two updates
      // differ by up to 6e-3 here, far outside float32 rounding.
      const layer = trainLayer(backendCase.backend());
      layer.forward(f32(fx.x), N, true);
      const gap = maxAbsDifference(fx.train.torch_running_var, fx.train.keras_moving_variance);
      const fromTorch = maxAbsDifference(layer.movingVariance.value, fx.train.torch_running_var);
      assert.ok(fromTorch > gap / 2, `moving_variance is within ${fromTorch} of torch's unbiased update (gap ${gap})`);
    });

    it("moving statistics are not trained", () => {
      const layer = trainLayer(backendCase.backend());
      assert.equal(layer.movingMean.trainable, false);
      assert.equal(layer.movingVariance.trainable, false);
      assert.equal(layer.gamma.trainable, true);
      assert.equal(layer.beta.trainable, true);
    });

    it("inference output matches", () => {
      const layer = fixtureLayer(backendCase.backend(), fx.eval.moving_mean, fx.eval.moving_variance);
      const y = layer.forward(f32(fx.x), N, false);
      assertClose(y, flat(fx.eval.y), TOL, "eval y");
    });

    it("inference leaves moving statistics", () => {
      const layer = fixtureLayer(backendCase.backend(), fx.eval.moving_mean, fx.eval.moving_variance);
      layer.forward(f32(fx.x), N, false);
      assert.deepEqual(Array.from(layer.movingMean.value), Array.from(f32(fx.eval.moving_mean)));
      assert.deepEqual(Array.from(layer.movingVariance.value), Array.from(f32(fx.eval.moving_variance)));
    });

    it("inference uses moving statistics", () => {
      const layer = trainLayer(backendCase.backend());
      const x = f32(fx.x);
      const trainY = layer.forward(x, N, true).slice();
      const movingMean = layer.movingMean.value.slice();
      const movingVariance = layer.movingVariance.value.slice();
      const evalY = layer.forward(x, N, false).slice();
      // The moving statistics are far from this batch's statistics, so the
      // outputs differ by much more than rounding.
      const gap = maxAbsDifference(evalY, trainY);
      assert.ok(gap > 0.1, `inference output is within ${gap} of the training output`);
      assertClose(evalY, normalize(x, movingMean, movingVariance), TOL, "eval y from moving statistics");
      assertClose(trainY, normalize(x, fx.train.batch_mean, fx.train.batch_var), TOL, "train y from batch statistics");
    });

    it("backward needs a training forward", () => {
      const layer = fixtureLayer(backendCase.backend(), fx.eval.moving_mean, fx.eval.moving_variance);
      layer.forward(f32(fx.x), N, false);
      assert.throws(() => layer.backward(f32(fx.dy), N, true), /training-mode forward/);
    });

    it("batch of one gives beta", () => {
      // The Keras formula: variance 0 and x - mean = 0, so y = beta.
      const layer = trainLayer(backendCase.backend());
      const y = layer.forward(f32(fx.x[0]!), 1, true);
      assertClose(y, fx.beta, TOL, "y for one row");
    });

    it("frozen gamma and beta get no gradient", () => {
      const layer = new BatchNormalization({ center: false, scale: false });
      layer.build([C], { backend: backendCase.backend(), rng: new Rng(1) });
      layer.forward(f32(fx.x), N, true);
      const dx = layer.backward(f32(fx.dy), N, true)!;
      assert.equal(layer.gamma.grad, null);
      assert.equal(layer.beta.grad, null);
      assert.ok(dx.every(Number.isFinite), "dx is not finite");
    });
  });
}
