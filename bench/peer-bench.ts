/**
 * `npm run bench -- --peers`: the same training step in trainlab (native),
 * PyTorch and TensorFlow.js (wasm), and the GEMM-only bound, timed in
 * interleaved rounds. Each engine is reported at its fastest thread setting,
 * with ratios to PyTorch and to the bound. Writes bench/results/peers.json
 * and the generated section of BENCHMARKS.md.
 */
import type { Backend } from "../src/engine/backend.js";
import { createBackend } from "../src/engine/index.js";
import { buildGemmStep } from "./gemm-bound.js";
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
import { BATCH_NORM_B32, RELU_B32, RELU_B256, SELU_B32, buildTrainlabStep } from "./models.js";
import { PytorchPeer, PYTHON, type PytorchStatus } from "./peers/pytorch.js";
import type { TfjsStatus } from "./peers/tfjs.js";

/** Loaded on demand, so the plain step benchmark never loads TensorFlow.js. */
type TfjsModule = typeof import("./peers/tfjs.js");
import {
  BENCHMARKS_MD,
  formatMs,
  formatRatio,
  markdownTable,
  replaceMarkdownSection,
  writeResultJson,
} from "./report.js";
import { runRounds, type BenchCase, type RoundOptions, type RoundTiming } from "./rounds.js";
import type { TargetCheck } from "./step-bench.js";
import { formatTargets } from "./step-bench.js";
import { timeSteps } from "./timing.js";

export type Engine = "trainlab" | "pytorch" | "tfjs" | "gemm";
const ENGINE_ORDER: readonly Engine[] = ["trainlab", "pytorch", "tfjs", "gemm"];
const ENGINE_NAMES: Record<Engine, string> = {
  trainlab: "trainlab native",
  pytorch: "PyTorch",
  tfjs: "TensorFlow.js wasm",
  gemm: "GEMM-only bound",
};

export interface PeerBenchOptions {
  models: readonly ModelSpec[];
  threads: readonly number[];
  rounds: number;
  secondsPerRound: number;
  log: (line: string) => void;
  print: (text: string) => void;
}

export interface PeerResult extends RoundTiming {
  engine: Engine;
  model: string;
  label: string;
  batch: number;
  /** Thread setting, e.g. "OpenBLAS 2" or "ATen 1, OpenBLAS 2". */
  setting: string;
}

export interface PeerReport {
  kind: "peers";
  machine: MachineInfo;
  pytorch: PytorchStatus;
  tfjs: TfjsStatus;
  /**
   * Largest absolute weight difference between the tfjs peer and trainlab
   * after 3 steps from the same weights, by model id.
   */
  tfjsWeightDifference: Record<string, number>;
  settings: Omit<RoundOptions, "log">;
  results: PeerResult[];
  /** 1, 5 and 15 minute load averages when the timing ended. */
  loadAverageAtEnd: number[];
  /** CPU time other processes took while the benchmark ran (the PyTorch child counts as the benchmark). */
  cpu: CpuAccounting | null;
  targets: TargetCheck[];
}

interface PeerCase extends BenchCase {
  engine: Engine;
  spec: ModelSpec;
  setting: string;
}

const ROUND_DEFAULTS: Omit<RoundOptions, "rounds" | "secondsPerRound" | "log"> = {
  initialWarmup: 50,
  roundWarmup: 5,
  minSteps: 20,
  maxSteps: 400,
  settleMs: 200,
};

/** PyTorch thread settings: ATen (OpenMP) threads and OpenBLAS threads. */
function pytorchSettings(threads: readonly number[]): Array<{ aten: number; blas: number }> {
  const settings = threads.map((t) => ({ aten: t, blas: t }));
  // ATen (OpenMP) and OpenBLAS each start their own workers. With both at 2
  // they oversubscribe 2 cores, so also try one ATen thread with more BLAS threads.
  for (const t of threads) {
    if (t > 1 && threads.includes(1)) settings.push({ aten: 1, blas: t });
  }
  return settings;
}

export async function runPeerBench(options: PeerBenchOptions): Promise<PeerReport> {
  const { log } = options;
  const backend = createBackend({ backend: "native" });
  const machine = collectMachineInfo(backend);
  log(`machine: ${describeMachine(machine)}`);

  const pytorch = await PytorchPeer.start();
  log(`PyTorch (${PYTHON}): ${pytorch.status.available ? pytorch.status.torch : pytorch.status.reason}`);
  let tfjsModule: TfjsModule | null = null;
  let tfjs: TfjsStatus;
  try {
    tfjsModule = await import("./peers/tfjs.js");
    tfjs = await tfjsModule.initTfjs();
  } catch (err) {
    tfjs = { available: false, reason: `import failed: ${err instanceof Error ? err.message : String(err)}` };
  }
  log(`TensorFlow.js: ${tfjs.available ? `${tfjs.tfjsCore}, wasm ${tfjs.tfjsBackendWasm}, SIMD ${tfjs.simd}` : tfjs.reason}`);

  const finishCpuAccounting = startCpuAccounting(pytorch.pid === undefined ? [] : [pytorch.pid]);
  try {
    const tfjsWeightDifference: Record<string, number> = {};
    const engines: PeerEngines = {
      backend,
      threads: options.threads,
      pytorch,
      tfjsModule,
      tfjs,
      tfjsWeightDifference,
      log,
    };
    const cases: PeerCase[] = [];
    for (const spec of options.models) cases.push(...(await buildPeerCases(spec, engines)));

    const settings = { ...ROUND_DEFAULTS, rounds: options.rounds, secondsPerRound: options.secondsPerRound };
    log(`${cases.length} cases, ${options.rounds} interleaved rounds`);
    const measured = await runRounds(cases, { ...settings, log });
    const cpu = finishCpuAccounting();
    const contention = contentionWarning(cpu);
    if (contention) log(contention);
    const results: PeerResult[] = measured.map((r, i) => {
      const c = cases[i]!;
      const { key: _key, ...timing } = r;
      return { engine: c.engine, model: c.spec.id, label: c.spec.label, batch: c.spec.batch, setting: c.setting, ...timing };
    });

    const report: PeerReport = {
      kind: "peers",
      machine,
      pytorch: pytorch.status,
      tfjs,
      tfjsWeightDifference,
      settings,
      results,
      loadAverageAtEnd: currentLoadAverage(),
      cpu,
      targets: checkPeerTargets(results),
    };
    const file = writeResultJson("peers.json", report);
    const markdown = formatPeerMarkdown(report);
    replaceMarkdownSection(BENCHMARKS_MD, "peers", markdown);
    options.print(`\n${markdown}\n\nwrote ${file} and the peers section of ${BENCHMARKS_MD}`);
    return report;
  } finally {
    pytorch.close();
  }
}

/** Inputs for building one model's cases: the native backend, the thread counts and the loaded peers. */
interface PeerEngines {
  backend: Backend;
  threads: readonly number[];
  pytorch: PytorchPeer;
  tfjsModule: TfjsModule | null;
  tfjs: TfjsStatus;
  /** Receives each model's tfjs-versus-trainlab weight difference. */
  tfjsWeightDifference: Record<string, number>;
  log: (line: string) => void;
}

/**
 * Largest tfjs-versus-trainlab weight difference accepted as the same step.
 * Float32 rounding gives about 1e-7 on weights of size 1.
 */
const TFJS_MAX_WEIGHT_DIFFERENCE = 1e-4;

/** Builds one model in every available engine and returns a case per engine and thread setting. */
async function buildPeerCases(spec: ModelSpec, engines: PeerEngines): Promise<PeerCase[]> {
  const { backend, threads: threadCounts, pytorch, tfjsModule, tfjs } = engines;
  const cases: PeerCase[] = [];
  const trainlab = buildTrainlabStep(spec, backend);
  for (const threads of threadCounts) {
    cases.push({
      key: `trainlab/${spec.id}/${threads}`,
      engine: "trainlab",
      spec,
      setting: `OpenBLAS ${threads}`,
      run: (warmup, steps) => {
        backend.setThreads(threads);
        return timeSteps(trainlab.step, warmup, steps);
      },
    });
  }

  if (pytorch.status.available) {
    await pytorch.build(spec);
    for (const { aten, blas } of pytorchSettings(threadCounts)) {
      cases.push({
        key: `pytorch/${spec.id}/${aten}-${blas}`,
        engine: "pytorch",
        spec,
        setting: `ATen ${aten}, OpenBLAS ${blas}`,
        run: (warmup, steps) => pytorch.run(spec.id, aten, blas, warmup, steps),
      });
    }
  }

  if (tfjs.available && tfjsModule && tfjsModule.tfjsSupports(spec)) {
    const difference = tfjsModule.maxWeightDifference(spec, buildTrainlabStep(spec, backend));
    engines.tfjsWeightDifference[spec.id] = difference;
    if (!(difference <= TFJS_MAX_WEIGHT_DIFFERENCE)) {
      engines.log(
        `warning: the TensorFlow.js step of ${spec.id} differs from trainlab's by ${difference} after 3 steps ` +
          `(more than ${TFJS_MAX_WEIGHT_DIFFERENCE}), so it may not compute the same update`,
      );
    }
    const { step } = tfjsModule.buildTfjsStep(spec);
    cases.push({
      key: `tfjs/${spec.id}/${tfjs.threads}`,
      engine: "tfjs",
      spec,
      setting: `wasm ${tfjs.threads} thread${tfjs.threads === 1 ? "" : "s"}${tfjs.simd ? ", SIMD" : ""}`,
      run: (warmup, steps) => timeSteps(step, warmup, steps),
    });
  }

  const gemmStep = buildGemmStep(spec, backend);
  for (const threads of threadCounts) {
    cases.push({
      key: `gemm/${spec.id}/${threads}`,
      engine: "gemm",
      spec,
      setting: `OpenBLAS ${threads}`,
      run: (warmup, steps) => {
        backend.setThreads(threads);
        return timeSteps(gemmStep, warmup, steps);
      },
    });
  }
  return cases;
}

/** Returns the fastest setting of `engine` on `model`, or undefined when it did not run. */
export function bestResult(results: readonly PeerResult[], engine: Engine, model: string): PeerResult | undefined {
  return results
    .filter((r) => r.engine === engine && r.model === model)
    .reduce<PeerResult | undefined>((best, r) => (!best || r.medianMs < best.medianMs ? r : best), undefined);
}

/** Checks the peer acceptance targets, each engine at its fastest setting. */
export function checkPeerTargets(results: readonly PeerResult[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const ratio = (engine: Engine, other: Engine, model: string) => {
    const a = bestResult(results, engine, model);
    const b = bestResult(results, other, model);
    return a && b ? { value: a.medianMs / b.medianMs, a, b } : undefined;
  };
  const add = (target: string, r: ReturnType<typeof ratio>, limit: number, describe: (value: number) => string) => {
    if (r) checks.push({ target, measured: describe(r.value), met: r.value <= limit });
  };
  const times = (value: number) => `${formatRatio(value)}`;

  add("trainlab <= 0.5x PyTorch at batch 32", ratio("trainlab", "pytorch", RELU_B32.id), 0.5, times);
  add("trainlab <= 0.8x PyTorch at batch 256", ratio("trainlab", "pytorch", RELU_B256.id), 0.8, times);
  add("trainlab within 2x of the GEMM bound at batch 32", ratio("trainlab", "gemm", RELU_B32.id), 2, times);
  add("trainlab within 1.3x of the GEMM bound at batch 256", ratio("trainlab", "gemm", RELU_B256.id), 1.3, times);
  const tfjs = ratio("tfjs", "trainlab", RELU_B32.id);
  if (tfjs) {
    checks.push({
      target: ">= 20x faster than TensorFlow.js wasm at batch 32",
      measured: `${formatRatio(tfjs.value)} faster`,
      met: tfjs.value >= 20,
    });
  }
  add("batch norm <= 0.6x PyTorch", ratio("trainlab", "pytorch", BATCH_NORM_B32.id), 0.6, times);
  add("selu <= 0.6x PyTorch", ratio("trainlab", "pytorch", SELU_B32.id), 0.6, times);
  return checks;
}

function describeVersions(report: PeerReport): string[] {
  const lines = [`- Machine: ${describeMachine(report.machine)}`, `- Engine: ${describeBuild(report.machine)}`];
  lines.push(
    report.pytorch.available
      ? `- PyTorch ${report.pytorch.torch} on Python ${report.pytorch.python} (${PYTHON}), OpenBLAS thread control ${report.pytorch.blasThreadControl ? "available" : "not found"}`
      : `- PyTorch: ${report.pytorch.reason}`,
  );
  lines.push(
    report.tfjs.available
      ? `- TensorFlow.js: tfjs-core ${report.tfjs.tfjsCore}, tfjs-backend-wasm ${report.tfjs.tfjsBackendWasm}, SIMD ${report.tfjs.simd ? "on" : "off"}, ${report.tfjs.threads} thread${report.tfjs.threads === 1 ? "" : "s"}`
      : `- TensorFlow.js: ${report.tfjs.reason}`,
  );
  const differences = Object.entries(report.tfjsWeightDifference);
  if (differences.length > 0) {
    const list = differences.map(([model, value]) => `${model} ${value.toExponential(1)}`).join(", ");
    lines.push(`- TensorFlow.js step check, largest weight difference from trainlab after 3 steps from the same weights: ${list}`);
  }
  lines.push(
    `- Load average (1 min): ${report.machine.loadAverage[0]} at start, ${report.loadAverageAtEnd[0]} at end. ` +
      `${describeCpuAccounting(report.cpu)}.`,
  );
  const s = report.settings;
  lines.push(
    `- Timing: ${s.initialWarmup} warm-up steps per case, then ${s.rounds} interleaved round${s.rounds === 1 ? "" : "s"} ` +
      `of ${s.minSteps} to ${s.maxSteps} steps (about ${s.secondsPerRound} s) per case, each round starting with ` +
      `${s.roundWarmup} untimed steps. A figure is the median of the case's round medians.`,
  );
  return lines;
}

/** Formats the generated BENCHMARKS.md section: versions, best-setting table, targets, all settings. */
export function formatPeerMarkdown(report: PeerReport): string {
  const models = [...new Set(report.results.map((r) => r.model))];
  const bestRows: string[][] = [];
  for (const model of models) {
    const pytorch = bestResult(report.results, "pytorch", model);
    const gemm = bestResult(report.results, "gemm", model);
    for (const engine of ENGINE_ORDER) {
      const best = bestResult(report.results, engine, model);
      if (!best) continue;
      bestRows.push([
        `${best.label}, batch ${best.batch}`,
        ENGINE_NAMES[engine],
        best.setting,
        formatMs(best.medianMs),
        pytorch ? formatRatio(best.medianMs / pytorch.medianMs) : "n/a",
        gemm ? formatRatio(best.medianMs / gemm.medianMs) : "n/a",
      ]);
    }
  }
  const allRows = report.results.map((r) => [
    r.model,
    ENGINE_NAMES[r.engine],
    r.setting,
    formatMs(r.medianMs),
    formatMs(r.p10Ms),
    formatMs(r.p90Ms),
    String(r.timedSteps),
  ]);
  return [
    `Measured ${report.machine.date.slice(0, 10)} with \`npm run bench -- --peers\` (medians from one run on this machine).`,
    "",
    ...describeVersions(report),
    "",
    "Each engine at its fastest thread setting. A ratio is the engine's median divided by PyTorch's or by the GEMM-only bound's median:",
    "",
    markdownTable(
      ["Model", "Engine", "Setting", "Median ms/step", "vs PyTorch", "vs GEMM bound"],
      bestRows,
      ["left", "left", "left", "right", "right", "right"],
    ),
    "",
    "Targets:",
    "",
    formatTargets(report.targets),
    "",
    "Every thread setting:",
    "",
    markdownTable(
      ["Model", "Engine", "Setting", "Median ms/step", "p10 ms", "p90 ms", "Timed steps"],
      allRows,
      ["left", "left", "left", "right", "right", "right", "right"],
    ),
  ].join("\n");
}
