/**
 * Per-layer training diagnostics as a fit() callback: what shows vanishing or
 * exploding gradients and dead units.
 *
 * - Gradient L2 norm of each Dense kernel, averaged over steps sampled every
 *   `sampleEvery` steps. The gradients are read right after each sampled
 *   step, before the next one overwrites them. A first-to-last hidden layer
 *   ratio far below 1 means vanishing gradients; far above 1, exploding.
 * - After each epoch, a fixed probe batch runs forward in inference mode:
 *   per layer, the mean and std of the outputs, and the fraction of dead
 *   units, those whose output is <= 0 for every probe sample (meaningful
 *   for relu-like activations; for others it reports saturation at the
 *   lower bound).
 *
 * Observing costs one sumSquares per kernel per sampled step and one probe
 * forward pass per epoch; the run's weights and noise are untouched.
 */
import { Dense } from "../nn/dense.js";
import type { Sequential } from "../nn/sequential.js";
import type { Callback, EpochLogs } from "./callbacks.js";

export interface LayerDiagnostics {
  layer: string;
  /** Mean L2 norm of the kernel gradient over the sampled steps. */
  gradNorm?: number;
  /** L2 norm of the kernel at the end of the epoch. */
  weightNorm?: number;
  activationMean: number;
  activationStd: number;
  /** Fraction of units whose output is <= 0 for the whole probe batch; absent for the output layer, which gives logits. */
  deadFraction?: number;
}

export interface DiagnosticsOptions {
  /** Rows (N x inputs) of a fixed probe batch, e.g. the first validation rows. */
  probe: Float32Array;
  /** @default 50 */
  sampleEvery?: number;
  /** Receives each epoch's diagnostics. */
  onEpoch?: (epoch: number, layers: LayerDiagnostics[]) => void;
}

export class Diagnostics implements Callback {
  /** Diagnostics of every finished epoch, in order. */
  readonly epochs: LayerDiagnostics[][] = [];
  private model: Sequential | null = null;
  private gradSums = new Map<Dense, number>();
  private samples = 0;

  constructor(private readonly options: DiagnosticsOptions) {}

  onTrainBegin(model: Sequential): void {
    this.model = model;
    // Fused SGD steps never store the kernel gradients read here.
    model.fuseUpdates = false;
  }

  onEpochBegin(): void {
    this.gradSums.clear();
    this.samples = 0;
  }

  onBatchEnd(_epoch: number, logs: { step: number }): void {
    if ((logs.step - 1) % (this.options.sampleEvery ?? 50) !== 0) return;
    const model = this.model!;
    for (const layer of model.layers) {
      if (!(layer instanceof Dense) || !layer.kernel.grad) continue;
      const norm = Math.sqrt(model.backend.sumSquares(layer.kernel.grad));
      this.gradSums.set(layer, (this.gradSums.get(layer) ?? 0) + norm);
    }
    this.samples++;
  }

  onEpochEnd(epoch: number, _logs: EpochLogs): void {
    const model = this.model!;
    const n = this.options.probe.length / model.inputSize;
    const layers: LayerDiagnostics[] = [];
    let out = this.options.probe;
    const last = model.layers[model.layers.length - 1];
    for (const layer of model.layers) {
      out = layer.forward(out, n, false);
      const entry: LayerDiagnostics = { layer: layer.name, ...outputStats(out, n, layer.outputSize) };
      if (layer === last) delete entry.deadFraction;
      if (layer instanceof Dense) {
        entry.weightNorm = Math.sqrt(model.backend.sumSquares(layer.kernel.value));
        const sum = this.gradSums.get(layer);
        if (sum !== undefined && this.samples > 0) entry.gradNorm = sum / this.samples;
      }
      layers.push(entry);
    }
    this.epochs.push(layers);
    this.options.onEpoch?.(epoch, layers);
  }
}

function outputStats(
  y: Float32Array,
  n: number,
  units: number,
): { activationMean: number; activationStd: number; deadFraction?: number } {
  let sum = 0;
  let sumSq = 0;
  let dead = 0;
  for (let j = 0; j < units; j++) {
    let alive = false;
    for (let i = 0; i < n; i++) {
      const v = y[i * units + j]!;
      sum += v;
      sumSq += v * v;
      if (v > 0) alive = true;
    }
    if (!alive) dead++;
  }
  const count = n * units;
  const mean = sum / count;
  return {
    activationMean: mean,
    activationStd: Math.sqrt(Math.max(0, sumSq / count - mean * mean)),
    deadFraction: dead / units,
  };
}

/**
 * Flags vanishing or exploding gradients from one epoch's diagnostics: the
 * ratio of the first hidden Dense layer's gradient norm to the last hidden
 * one's. Returns a warning line, or null when the ratio is within
 * [1e-3, 1e3] or cannot be computed.
 */
export function gradientFlowWarning(layers: LayerDiagnostics[]): string | null {
  const norms = layers.filter((l) => l.gradNorm !== undefined);
  if (norms.length < 3) return null;
  const first = norms[0]!;
  const lastHidden = norms[norms.length - 2]!;
  const ratio = first.gradNorm! / lastHidden.gradNorm!;
  if (!Number.isFinite(ratio)) return `gradients: non-finite norm ratio ${first.layer}/${lastHidden.layer}`;
  if (ratio < 1e-3) return `gradients vanish: ${first.layer} norm is ${ratio.toExponential(1)} x ${lastHidden.layer}'s`;
  if (ratio > 1e3) return `gradients explode: ${first.layer} norm is ${ratio.toExponential(1)} x ${lastHidden.layer}'s`;
  return null;
}

/** Formats one epoch's diagnostics as an aligned table. */
export function formatDiagnostics(layers: LayerDiagnostics[]): string[] {
  const header = `  ${"layer".padEnd(24)}${"grad_norm".padStart(11)}${"weight_norm".padStart(13)}${"act_mean".padStart(10)}${"act_std".padStart(10)}${"dead".padStart(8)}`;
  const rows = layers.map((l) => {
    const g = l.gradNorm === undefined ? "-" : l.gradNorm.toExponential(2);
    const w = l.weightNorm === undefined ? "-" : l.weightNorm.toFixed(3);
    const dead = l.deadFraction === undefined ? "-" : `${(l.deadFraction * 100).toFixed(1)}%`;
    return `  ${l.layer.padEnd(24)}${g.padStart(11)}${w.padStart(13)}${l.activationMean.toFixed(3).padStart(10)}${l.activationStd.toFixed(3).padStart(10)}${dead.padStart(8)}`;
  });
  return [header, ...rows];
}
