/**
 * `npm run bench`: median milliseconds per trainlab training step
 * (`model.trainOnBatch`: forward, loss, backward and SGD update) on synthetic
 * batches, on the native backend at each requested OpenBLAS thread count,
 * plus the reference backend for the plain MLP.
 */
import type { Backend } from "../src/engine/backend.js";
import { createBackend } from "../src/engine/index.js";
import { validateRunConfig } from "../src/train/run-config.js";
import {
  collectMachineInfo,
  contentionWarning,
  currentLoadAverage,
  describeBuild,
  describeCpuAccounting,
  describeMachine,
  startCpuAccounting,
  type CpuAccounting,
  type MachineInfo,
} from "./machine.js";
import type { ModelSpec } from "./models.js";
import { BATCH_NORM_B32, REGRESSION_B32, RELU_B32, RELU_B256, RRELU_B32, buildTrainlabStep } from "./models.js";
import { formatDuration, formatMs, formatRatio, markdownTable, writeResultJson } from "./report.js";
import { runRounds, type BenchCase, type RoundOptions, type RoundTiming } from "./rounds.js";
import { median, quantile, timeSteps } from "./timing.js";

/** Fashion-MNIST: 60,000 training images minus the 10% validation split, at batch 32. */
export const FASHION_STEPS_PER_EPOCH = 1688;
/** California housing: 11,610 training rows at batch 32. */
export const HOUSING_STEPS_PER_EPOCH = 363;
export const ESTIMATE_EPOCHS = 20;

export interface StepBenchOptions {
  models: readonly ModelSpec[];
  threads: readonly number[];
  rounds: number;
  secondsPerRound: number;
  reference: boolean;
  log: (line: string) => void;
}

export interface StepResult extends RoundTiming {
  model: string;
  label: string;
  batch: number;
  backend: "native" | "reference";
  threads: number;
}

export interface Estimate {
  name: string;
  model: string;
  threads: number;
  stepsPerEpoch: number;
  epochs: number;
  seconds: number;
}

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean;
}

export interface StepReport {
  kind: "step";
  machine: MachineInfo;
  settings: Omit<RoundOptions, "log"> & { referenceWarmup: number; referenceSteps: Record<string, number> };
  results: StepResult[];
  /** 1, 5 and 15 minute load averages when the timing ended. */
  loadAverageAtEnd: number[];
  /** CPU time other processes took while the benchmark ran. */
  cpu: CpuAccounting | null;
  estimates: Estimate[];
  targets: TargetCheck[];
}

const NATIVE_ROUNDS: Omit<RoundOptions, "rounds" | "secondsPerRound" | "log"> = {
  initialWarmup: 50,
  roundWarmup: 10,
  minSteps: 100,
  maxSteps: 5000,
  settleMs: 150,
};

/** The reference backend takes tens of ms per step, so it gets a few steps only. */
const REFERENCE_WARMUP = 3;
const REFERENCE_STEPS: Record<string, number> = { [RELU_B32.id]: 20, [RELU_B256.id]: 5 };

export async function runStepBench(options: StepBenchOptions): Promise<StepReport> {
  const backend = createBackend({ backend: "native" });
  const machine = collectMachineInfo(backend);
  const log = options.log;
  log(`machine: ${describeMachine(machine)}`);

  const finishCpuAccounting = startCpuAccounting();
  const cases: BenchCase[] = [];
  const caseInfo = new Map<string, { spec: ModelSpec; threads: number }>();
  for (const spec of options.models) {
    const trainlab = buildTrainlabStep(spec, backend);
    for (const threads of options.threads) {
      const key = `native/${spec.id}/${threads}`;
      caseInfo.set(key, { spec, threads });
      cases.push({
        key,
        run: (warmup, steps) => {
          backend.setThreads(threads);
          return timeSteps(trainlab.step, warmup, steps);
        },
      });
    }
  }
  const roundSettings = { ...NATIVE_ROUNDS, rounds: options.rounds, secondsPerRound: options.secondsPerRound };
  log(`native backend: ${cases.length} cases, ${options.rounds} interleaved rounds`);
  const native = await runRounds(cases, { ...roundSettings, log });
  const results: StepResult[] = native.map((r) => {
    const { spec, threads } = caseInfo.get(r.key)!;
    return { model: spec.id, label: spec.label, batch: spec.batch, backend: "native", threads, ...dropKey(r) };
  });

  if (options.reference) {
    results.push(...runReference(options.models, log));
  }
  const cpu = finishCpuAccounting();
  const contention = contentionWarning(cpu);
  if (contention) log(contention);

  const report: StepReport = {
    kind: "step",
    machine,
    settings: { ...roundSettings, referenceWarmup: REFERENCE_WARMUP, referenceSteps: REFERENCE_STEPS },
    results,
    loadAverageAtEnd: currentLoadAverage(),
    cpu,
    estimates: estimateRunTimes(results),
    targets: checkStepTargets(results),
  };
  return report;
}

function dropKey<T extends { key: string }>(value: T): Omit<T, "key"> {
  const { key: _key, ...rest } = value;
  return rest;
}

function runReference(models: readonly ModelSpec[], log: (line: string) => void): StepResult[] {
  const reference: Backend = createBackend({ backend: "reference" });
  const results: StepResult[] = [];
  for (const spec of models) {
    const steps = REFERENCE_STEPS[spec.id];
    if (steps === undefined) continue;
    log(`reference backend: ${spec.id}, ${REFERENCE_WARMUP} warm-up and ${steps} timed steps`);
    const trainlab = buildTrainlabStep(spec, reference);
    const times = timeSteps(trainlab.step, REFERENCE_WARMUP, steps);
    const medianMs = median(times);
    results.push({
      model: spec.id,
      label: spec.label,
      batch: spec.batch,
      backend: "reference",
      threads: 1,
      medianMs,
      roundMediansMs: [medianMs],
      p10Ms: quantile(times, 0.1),
      p90Ms: quantile(times, 0.9),
      stepsPerRound: steps,
      timedSteps: steps,
    });
  }
  return results;
}

/**
 * Estimates 20-epoch training time from the batch-32 step medians at every
 * measured thread count. Steps only: validation, shuffling and batch
 * gathering are excluded.
 */
export function estimateRunTimes(results: readonly StepResult[]): Estimate[] {
  const estimates: Estimate[] = [];
  const plans = [
    { name: "Fashion-MNIST, 20 epochs at batch 32", model: RELU_B32.id, stepsPerEpoch: FASHION_STEPS_PER_EPOCH },
    { name: "California housing, 20 epochs at batch 32", model: REGRESSION_B32.id, stepsPerEpoch: HOUSING_STEPS_PER_EPOCH },
  ];
  for (const plan of plans) {
    for (const r of results.filter((x) => x.model === plan.model && x.backend === "native")) {
      estimates.push({
        name: plan.name,
        model: plan.model,
        threads: r.threads,
        stepsPerEpoch: plan.stepsPerEpoch,
        epochs: ESTIMATE_EPOCHS,
        seconds: (r.medianMs * plan.stepsPerEpoch * ESTIMATE_EPOCHS) / 1000,
      });
    }
  }
  return estimates;
}

/** Returns the fastest native result of a model over the measured thread counts. */
function bestNative(results: readonly StepResult[], model: string): StepResult | undefined {
  return results
    .filter((r) => r.model === model && r.backend === "native")
    .reduce<StepResult | undefined>((best, r) => (!best || r.medianMs < best.medianMs ? r : best), undefined);
}

/** Checks the step-time acceptance targets against the best thread setting of each model. */
export function checkStepTargets(results: readonly StepResult[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const relu = bestNative(results, RELU_B32.id);
  if (relu) {
    checks.push({
      target: "native step at batch 32 <= 0.6 ms",
      measured: `${formatMs(relu.medianMs)} ms (${relu.threads} thread${relu.threads > 1 ? "s" : ""})`,
      met: relu.medianMs <= 0.6,
    });
    const variants = [
      { spec: BATCH_NORM_B32, name: "batch-norm" },
      { spec: RRELU_B32, name: "rrelu" },
    ];
    for (const { spec, name } of variants) {
      const variant = bestNative(results, spec.id);
      if (!variant) continue;
      const ratio = variant.medianMs / relu.medianMs;
      checks.push({
        target: `${name} step within 2x of the relu step at batch 32`,
        measured: `${formatMs(variant.medianMs)} ms = ${formatRatio(ratio)} the relu step`,
        met: ratio <= 2,
      });
    }
  }
  return checks;
}

/** Formats the step table: one row per model, one column per backend and thread count. */
export function formatStepTable(report: StepReport): string {
  const headers = ["Model", "Batch", "Backend", "Threads", "Median ms/step", "p10 ms", "p90 ms", "Timed steps"];
  const rows = report.results.map((r) => [
    r.label,
    String(r.batch),
    r.backend,
    String(r.threads),
    formatMs(r.medianMs),
    formatMs(r.p10Ms),
    formatMs(r.p90Ms),
    String(r.timedSteps),
  ]);
  return markdownTable(headers, rows, ["left", "right", "left", "right", "right", "right", "right", "right"]);
}

export function formatEstimates(report: StepReport): string {
  const rows = report.estimates.map((e) => [
    e.name,
    String(e.threads),
    `${e.stepsPerEpoch} x ${e.epochs}`,
    formatDuration(e.seconds),
  ]);
  return markdownTable(["Run (training steps only, no validation)", "Threads", "Steps", "Estimated time"], rows, [
    "left",
    "right",
    "right",
    "right",
  ]);
}

export function formatTargets(checks: readonly TargetCheck[]): string {
  return markdownTable(
    ["Target", "Measured", "Met"],
    checks.map((c) => [c.target, c.measured, c.met ? "yes" : "no"]),
  );
}

/** Prints the step report and writes bench/results/latest.json. */
export function printStepReport(report: StepReport, print: (text: string) => void): void {
  print(`\nTraining step, ${report.machine.date}`);
  print(describeMachine(report.machine));
  print(describeBuild(report.machine));
  print(`Load average (1 min) at start ${report.machine.loadAverage[0]}, at end ${report.loadAverageAtEnd[0]}`);
  print(`${describeCpuAccounting(report.cpu)}\n`);
  print(formatStepTable(report));
  const fashionThreads = validateRunConfig({}).threads;
  const housingThreads = validateRunConfig({ dataset: "california-housing" }).threads;
  print(
    `\nEstimated run times (median step x steps; \`trainlab train\` uses ${fashionThreads} thread(s) ` +
      `for Fashion-MNIST and ${housingThreads} for housing by default):\n`,
  );
  print(formatEstimates(report));
  print("\nTargets (best thread setting of each model):\n");
  print(formatTargets(report.targets));
  const file = writeResultJson("latest.json", report);
  print(`\nwrote ${file}`);
}
