/**
 * One training run from a run description: prepare the data, build the
 * model, fit, and collect everything a report needs (history, engine,
 * best epoch, test metrics at the best epoch, time to target).
 */
import { createBackend } from "../engine/index.js";
import { NativeBackend } from "../engine/native-backend.js";
import { Rng } from "../engine/rng.js";
import { parseActivation } from "../nn/activations.js";
import { parseInitializer } from "../nn/initializers.js";
import type { EvaluateResult } from "../nn/sequential.js";
import { buildModel, seluWarnings } from "./build-model.js";
import { Diagnostics, gradientFlowWarning, type LayerDiagnostics } from "./diagnostics.js";
import type { Callback, Divergence, EpochLogs } from "./callbacks.js";
import { fit } from "./fit.js";
import { ExponentialDecaySchedule, ReduceLrOnPlateau } from "./lr-callbacks.js";
import { prepareData } from "./prepare-data.js";
import { saveModel } from "./saved-model.js";
import type { RunConfig } from "./run-config.js";

export interface EngineInfo {
  backend: "native" | "reference";
  threads: number;
  blasCore?: string;
  blasConfig?: string;
  node: string;
}

export interface TimeToTarget {
  metric: string;
  value: number;
  reached: boolean;
  epoch?: number;
  /** Training seconds (validation included) until the epoch that reached it. */
  seconds?: number;
}

export interface RunResult {
  config: RunConfig;
  engine: EngineInfo;
  data: { source: string; train: number; valid: number; test: number };
  trainableParameters: number;
  status: "completed" | "diverged";
  diverged?: Divergence;
  history: EpochLogs[];
  totalSeconds: number;
  /** The epoch (1-based) with the best validation metric, and its logs. */
  best?: { epoch: number; logs: EpochLogs };
  /** Test metrics with the best epoch's weights, when evaluateTest is set. */
  test?: EvaluateResult;
  timeToTarget?: TimeToTarget;
  /** Per-epoch, per-layer diagnostics, when the run asked for them. */
  diagnostics?: LayerDiagnostics[][];
  warnings: string[];
}

export interface RunOptions {
  /** Progress and other observers. */
  callbacks?: Callback[];
  /** Writes the trained model with its input preprocessing to this file. */
  saveModelPath?: string;
  /** Receives each epoch's layer diagnostics when config.diagnostics is set. */
  onDiagnostics?: (epoch: number, layers: LayerDiagnostics[]) => void;
  log?: (line: string) => void;
  warn?: (line: string) => void;
}

export async function runTraining(config: RunConfig, options: RunOptions = {}): Promise<RunResult> {
  const warn = options.warn ?? (() => {});
  const warnings: string[] = [];
  const warnOnce = (line: string) => {
    warnings.push(line);
    warn(line);
  };
  const activation = parseActivation(config.activation);
  const init = parseInitializer(config.init, "init");
  for (const line of seluWarnings(config, activation.id, init.id)) warnOnce(line);

  const backend = createBackend({ backend: config.backend, threads: config.threads, warn: warnOnce });
  const data = await prepareData(config, options.log);
  const rng = new Rng(config.seed);
  const model = buildModel(config, data.inputSize, data.outputs, backend, rng);

  const classification = data.classification;
  const bestMetric = classification ? "val_accuracy" : "val_loss";
  const better = (a: number, b: number) => (classification ? a > b : a < b);
  let best: { epoch: number; logs: EpochLogs } | undefined;
  let bestWeights: Float32Array[] | null = null;
  let elapsed = 0;
  const timeToTarget: TimeToTarget | undefined = config.target
    ? { ...config.target, reached: false }
    : undefined;

  const tracker: Callback = {
    onEpochEnd(epoch, logs) {
      elapsed += logs.seconds;
      const value = logs[bestMetric as keyof EpochLogs] as number | undefined;
      if (value !== undefined && Number.isFinite(value) && (!best || better(value, best.logs[bestMetric as keyof EpochLogs] as number))) {
        best = { epoch, logs };
        if (config.evaluateTest) bestWeights = model.getWeights();
      }
      if (timeToTarget && !timeToTarget.reached) {
        const reached = logs[timeToTarget.metric as keyof EpochLogs] as number | undefined;
        const hit = timeToTarget.metric === "val_accuracy" ? (reached ?? -Infinity) >= timeToTarget.value : (reached ?? Infinity) <= timeToTarget.value;
        if (hit) Object.assign(timeToTarget, { reached: true, epoch, seconds: elapsed });
      }
    },
  };
  const callbacks: Callback[] = [tracker];
  if (config.lrDecay) callbacks.push(new ExponentialDecaySchedule(config.lrDecay));
  if (config.reduceLrOnPlateau) callbacks.push(new ReduceLrOnPlateau(config.reduceLrOnPlateau));
  let diagnostics: Diagnostics | undefined;
  if (config.diagnostics) {
    // The probe is the first 256 validation rows, so every epoch measures the same inputs.
    const rows = Math.min(256, data.valid.count);
    diagnostics = new Diagnostics({
      probe: data.valid.x.subarray(0, rows * data.inputSize),
      onEpoch: (epoch, layers) => {
        options.onDiagnostics?.(epoch, layers);
        const warning = gradientFlowWarning(layers);
        if (warning) warnOnce(`epoch ${epoch}: ${warning}`);
      },
    });
  }
  // Observers come first so the epoch line prints before the diagnostics.
  callbacks.push(...(options.callbacks ?? []));
  if (diagnostics) callbacks.push(diagnostics);

  const history = fit(model, data.train.x, data.train.y, {
    epochs: config.epochs,
    batchSize: config.batchSize,
    validationData: data.valid,
    seed: config.seed,
    callbacks,
  });

  let test: EvaluateResult | undefined;
  if (config.evaluateTest && bestWeights) {
    model.setWeights(bestWeights);
    test = model.evaluate(data.test.x, data.test.y);
  }

  if (options.saveModelPath) {
    saveModel({
      path: options.saveModelPath,
      config,
      model,
      // Fashion-MNIST pixels arrive as 0..255 and were scaled by 1/255.
      inputScale: data.classification ? 1 / 255 : 1,
      scaler: data.scaler,
      classNames: data.classNames,
    });
  }

  const blas = backend instanceof NativeBackend ? backend.blasInfo() : undefined;
  return {
    config,
    engine: {
      backend: backend.name,
      threads: backend.getThreads(),
      blasCore: blas?.coreName,
      blasConfig: blas?.config,
      node: process.version,
    },
    data: { source: data.source, train: data.train.count, valid: data.valid.count, test: data.test.count },
    trainableParameters: model.trainableCount,
    status: history.diverged ? "diverged" : "completed",
    diverged: history.diverged,
    history: history.epochs,
    totalSeconds: history.totalSeconds,
    best,
    test,
    timeToTarget,
    diagnostics: diagnostics?.epochs,
    warnings,
  };
}
