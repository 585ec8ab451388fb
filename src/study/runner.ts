/**
 * Runs a study: every planned run that the store does not hold yet, one
 * after another in this process (so timings compare), or `parallel` at a
 * time in forked worker processes (for throughput, with timings that
 * interfere). Each finished run is stored at once in one transaction, so
 * rerunning the same command after a crash or `kill -9` skips the stored
 * runs and loses none.
 *
 * A diverged run is stored as diverged, and a run that throws is stored as
 * failed with its message. The study goes on in both cases. ConfigError and
 * DataError (e.g. a missing data set) stop the study instead, because every
 * later run would fail the same way.
 *
 * This module is also the worker entry: `fork()` starts this file, which
 * then waits for runs over IPC (see the bottom of the file).
 */
import { fork, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadAddon } from "../engine/native-backend.js";
import { ConfigError, DataError, isUserError } from "../errors.js";
import type { BatchLogs, Callback, EpochLogs, History } from "../train/callbacks.js";
import { prepareData } from "../train/prepare-data.js";
import { epochMetrics } from "../train/progress-bar.js";
import { runTraining } from "../train/run.js";
import type { RunConfig } from "../train/run-config.js";
import { planStudyRuns, studyDefinitionJson, type PlannedRun, type StudyDefinition } from "./definition.js";
import { collectMachineInfo, describeMachine } from "./machine.js";
import { StudyStore, type StoredRunSummary } from "./store.js";
import { fmt } from "./summary.js";
import type { StudyRunRecord } from "./types.js";

/** The terminal side of a study: lines, warnings and the in-place status line. */
export interface StudySink {
  info(line: string): void;
  warn(line: string): void;
  progress(line: string): void;
  readonly interactive: boolean;
}

export interface StudyRunOptions {
  /** The study directory; `results.sqlite` is created in it. */
  outDir: string;
  /** Overrides the definition's repeats. */
  repeats?: number;
  /** Only these data sets (names must be in the definition). */
  datasets?: readonly string[];
  /** Only these variants (names must be in the definition). */
  variants?: readonly string[];
  /** OpenBLAS threads of every run. @default each run's config, or 1 with parallel > 1 */
  threads?: number;
  /** Runs trained at once in worker processes. @default 1 */
  parallel?: number;
  /** Train failed runs again instead of skipping them. @default false */
  retryFailed?: boolean;
  sink: StudySink;
}

export interface StudyRunOutcome {
  storePath: string;
  planned: number;
  /** Runs found in the store and not trained again. */
  skipped: number;
  completed: number;
  diverged: number;
  failed: number;
  wallSeconds: number;
}

/** Trains the study's missing runs and stores each one as it finishes. */
export async function runStudy(definition: StudyDefinition, options: StudyRunOptions): Promise<StudyRunOutcome> {
  const parallel = options.parallel ?? 1;
  if (!Number.isInteger(parallel) || parallel < 1) throw new ConfigError("parallel", parallel, "an integer >= 1");
  const plan = planStudyRuns(definition, {
    repeats: options.repeats,
    datasets: options.datasets,
    variants: options.variants,
    // Parallel runs share the cores, so each gets one BLAS thread unless --threads sets it.
    threads: options.threads ?? (parallel > 1 ? 1 : undefined),
  });
  const { sink } = options;
  const warnings = new WarningDeduplicator(sink);
  const store = StudyStore.open(options.outDir);
  const started = performance.now();
  try {
    store.acquireWriter();
    // The machine records one thread count only when every run shares it;
    // each run's engine record keeps its own.
    const threadCounts = new Set(plan.map((run) => run.config.threads));
    const threads = options.threads ?? (threadCounts.size === 1 ? [...threadCounts][0] : undefined);
    const machine = collectMachineInfo(threads);
    const studyJson = studyDefinitionJson(definition);
    if (options.repeats !== undefined) studyJson.repeats = options.repeats;
    const machineId = store.beginSession(definition.name, studyJson, machine);

    const stored = store.storedRuns();
    checkStoredConfigs(plan, stored, options.outDir);
    const todo = plan.filter((run) => {
      const previous = stored.get(run.key);
      return !previous || (options.retryFailed === true && previous.status === "failed");
    });
    const outcome: StudyRunOutcome = {
      storePath: store.path,
      planned: plan.length,
      skipped: plan.length - todo.length,
      completed: 0,
      diverged: 0,
      failed: 0,
      wallSeconds: 0,
    };
    sink.info(`study ${definition.name}: ${plan.length} runs planned, ${outcome.skipped} already stored in ${store.path}, ${todo.length} to run`);
    sink.info(`machine: ${describeMachine(machine)}`);
    if (parallel > 1 && todo.length > 1) {
      sink.warn(
        `warning: --parallel ${parallel} trains ${parallel} runs at once; their timings interfere ` +
          "and do not compare with runs trained alone (each run records parallel=" + parallel + ")",
      );
      const cores = machine.cores;
      if (parallel * (threads ?? 1) > cores) {
        sink.warn(`warning: ${parallel} runs x ${threads ?? 1} BLAS thread(s) exceeds the ${cores} cores of this machine`);
      }
    }

    const eta = new EtaEstimator(stored, plan, parallel);
    const save = (run: PlannedRun, record: StudyRunRecord) => {
      store.saveRun(record, { machineId, replace: stored.has(run.key) });
      eta.finished(run, record);
      outcome[record.status]++;
      sink.info(`  ${describeOutcome(record)}`);
    };
    const announce = (run: PlannedRun, index: number, remaining: PlannedRun[]) => {
      const position = plan.indexOf(run) + 1;
      const repeats = options.repeats ?? definition.repeats;
      sink.info(
        `[run ${position}/${plan.length}] ${run.dataset} / ${run.variant} (repeat ${run.repeat + 1}/${repeats}) — ETA ${eta.format(remaining.slice(index))}`,
      );
    };

    if (parallel === 1 || todo.length <= 1) {
      for (const [index, run] of todo.entries()) {
        announce(run, index, todo);
        const record = await executeRun(run, {
          parallel: 1,
          callbacks: [new EpochLines(sink, "  ")],
          log: (line) => sink.info(`  ${line}`),
          warn: (line) => warnings.warn(line),
        });
        save(run, record);
      }
    } else {
      await runInWorkers(todo, parallel, {
        announce: (run, index) => announce(run, index, todo),
        line: (run, line) => sink.info(`  [${run.key}] ${line}`),
        warn: (line) => warnings.warn(line),
        save,
      });
    }
    warnings.flush();
    outcome.wallSeconds = (performance.now() - started) / 1000;
    return outcome;
  } finally {
    try {
      store.releaseWriter();
    } finally {
      store.close();
    }
  }
}

/**
 * Rejects a resume whose runs would differ from the stored ones: a stored
 * run with the same key but another run description (e.g. other epochs or
 * --threads) would mix two experiments under one key.
 */
function checkStoredConfigs(plan: PlannedRun[], stored: Map<string, StoredRunSummary>, outDir: string): void {
  for (const run of plan) {
    const previous = stored.get(run.key);
    if (!previous) continue;
    const before = JSON.parse(previous.config) as Record<string, unknown>;
    const now = run.config as unknown as Record<string, unknown>;
    const keys = new Set([...Object.keys(before), ...Object.keys(now)]);
    const changed = [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(now[k]));
    if (changed.length > 0) {
      const detail = changed.map((k) => `${k} ${JSON.stringify(before[k]) ?? "unset"} -> ${JSON.stringify(now[k]) ?? "unset"}`).join(", ");
      throw new ConfigError(
        "--out",
        outDir,
        `a directory whose stored runs match this study, but stored run ${run.key} differs in ${detail}; use another --out or the original settings`,
      );
    }
  }
}

interface ExecuteOptions {
  parallel: number;
  callbacks: Callback[];
  log: (line: string) => void;
  warn: (line: string) => void;
}

/**
 * Trains one planned run and returns its record. Training that throws
 * yields a failed record with the epochs finished before the error. A
 * ConfigError or DataError is re-thrown because it stops the whole study.
 */
export async function executeRun(run: PlannedRun, options: ExecuteOptions): Promise<StudyRunRecord> {
  const startedAt = new Date().toISOString();
  const finished: EpochLogs[] = [];
  const collector: Callback = { onEpochEnd: (_epoch, logs) => void finished.push(logs) };
  const base = {
    key: run.key,
    dataset: run.dataset,
    variant: run.variant,
    repeat: run.repeat,
    seed: run.seed,
    config: run.config,
    parallel: options.parallel,
    startedAt,
  };
  try {
    const result = await runTraining(run.config, {
      callbacks: [collector, ...options.callbacks],
      log: options.log,
      warn: options.warn,
    });
    const record: StudyRunRecord = {
      ...base,
      status: result.status,
      engine: result.engine,
      epochs: result.history,
      totalSeconds: result.totalSeconds,
      finishedAt: new Date().toISOString(),
    };
    if (result.diverged) record.diverged = result.diverged;
    if (result.best) record.best = result.best;
    if (result.test) record.test = result.test;
    if (result.timeToTarget) record.timeToTarget = result.timeToTarget;
    record.baseline = await constantPredictorBaseline(run.config);
    return record;
  } catch (err) {
    if (isUserError(err)) throw err;
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return {
      ...base,
      status: "failed",
      error: message,
      engine: plannedEngine(run.config),
      epochs: finished,
      totalSeconds: finished.reduce((sum, logs) => sum + logs.seconds, 0),
      finishedAt: new Date().toISOString(),
    };
  }
}

/**
 * Computes the validation metric of a constant predictor: the accuracy of
 * the train split's most frequent class, or the MSE of the train mean, on
 * the validation split. `prepareData` caches the last prepared split, so
 * this reuses the data the run just trained on.
 */
async function constantPredictorBaseline(config: RunConfig): Promise<{ metric: string; value: number }> {
  const data = await prepareData(config);
  const trainY = data.train.y;
  const validY = data.valid.y;
  if (data.classification) {
    const counts = new Map<number, number>();
    for (const label of trainY) counts.set(label, (counts.get(label) ?? 0) + 1);
    let majority = 0;
    let majorityCount = -1;
    for (const [label, count] of counts) {
      if (count > majorityCount || (count === majorityCount && label < majority)) {
        majority = label;
        majorityCount = count;
      }
    }
    let hits = 0;
    for (const label of validY) if (label === majority) hits++;
    return { metric: "val_accuracy", value: hits / validY.length };
  }
  const outputs = data.outputs;
  const means = new Float64Array(outputs);
  for (let i = 0; i < trainY.length; i++) means[i % outputs]! += trainY[i]!;
  for (let j = 0; j < outputs; j++) means[j]! /= data.train.count;
  let squares = 0;
  for (let i = 0; i < validY.length; i++) squares += (validY[i]! - means[i % outputs]!) ** 2;
  return { metric: "val_mse", value: squares / validY.length };
}

/** Describes the engine a failed run would have used, because the run never created one. */
function plannedEngine(config: RunConfig): StudyRunRecord["engine"] {
  const backend = config.backend === "reference" || !loadAddon() ? "reference" : "native";
  return { backend, threads: config.threads, node: process.version };
}

function describeOutcome(record: StudyRunRecord): string {
  const seconds = `${record.totalSeconds.toFixed(1)}s`;
  if (record.status === "failed") return `failed after ${seconds}: ${record.error}`;
  const parts: string[] = [];
  if (record.status === "diverged" && record.diverged) {
    parts.push(`diverged at epoch ${record.diverged.epoch}, step ${record.diverged.step} (loss ${record.diverged.loss}) after ${seconds}`);
  } else {
    parts.push(`completed in ${seconds}`);
  }
  if (record.best) {
    const logs = record.best.logs;
    const metric = logs.val_accuracy !== undefined ? `val_accuracy ${fmt(logs.val_accuracy)}` : `val_mse ${fmt(logs.val_mse ?? logs.val_loss ?? NaN)}`;
    parts.push(`best ${metric} at epoch ${record.best.epoch}`);
  }
  if (record.test) {
    parts.push(record.test.accuracy !== undefined ? `test accuracy ${fmt(record.test.accuracy)}` : `test mse ${fmt(record.test.mse ?? record.test.loss)}`);
  }
  const target = record.timeToTarget;
  if (target) {
    parts.push(target.reached ? `${target.metric} target ${target.value} reached at epoch ${target.epoch} (${target.seconds?.toFixed(1)}s)` : `${target.metric} target ${target.value} not reached`);
  }
  return parts.join(", ");
}

/** Per-epoch lines, and on a terminal a throttled per-step status line. */
class EpochLines implements Callback {
  private epochs = 0;
  private lastUpdate = 0;

  constructor(
    private readonly sink: Pick<StudySink, "info" | "progress" | "interactive">,
    private readonly indent: string,
  ) {}

  onTrainBegin(_model: unknown, params: { epochs: number }): void {
    this.epochs = params.epochs;
  }

  onBatchEnd(epoch: number, logs: BatchLogs): void {
    if (!this.sink.interactive) return;
    const now = performance.now();
    if (now - this.lastUpdate < 100 && logs.step < logs.steps) return;
    this.lastUpdate = now;
    const metric = logs.accuracy !== undefined ? ` - accuracy: ${logs.accuracy.toFixed(4)}` : "";
    this.sink.progress(`${this.indent}epoch ${epoch}/${this.epochs} step ${logs.step}/${logs.steps} - loss: ${logs.loss.toFixed(4)}${metric}`);
  }

  onEpochEnd(epoch: number, logs: EpochLogs): void {
    const parts = [`${this.indent}epoch ${epoch}/${this.epochs}`, `${logs.seconds.toFixed(1)}s ${logs.stepMs.toFixed(2)}ms/step`, ...epochMetrics(logs)];
    this.sink.info(parts.join(" - "));
  }

  onTrainEnd(history: History): void {
    if (history.diverged) {
      const d = history.diverged;
      this.sink.info(`${this.indent}loss became ${d.loss} at epoch ${d.epoch}, step ${d.step}; training stopped`);
    }
  }
}

/** Prints each distinct warning once and counts the repeats. */
class WarningDeduplicator {
  private readonly counts = new Map<string, number>();

  constructor(private readonly sink: Pick<StudySink, "warn">) {}

  warn(line: string): void {
    const count = this.counts.get(line) ?? 0;
    if (count === 0) this.sink.warn(line);
    this.counts.set(line, count + 1);
  }

  flush(): void {
    const repeated = [...this.counts.values()].reduce((sum, n) => sum + n - 1, 0);
    if (repeated > 0) this.sink.warn(`(${repeated} repeated warning line(s) not shown again)`);
  }
}

/**
 * Estimates the remaining wall time from the durations of finished runs:
 * the mean duration per data set (runs of one data set take similar
 * times), or the mean of all when a data set has no finished run yet.
 */
class EtaEstimator {
  private readonly durations = new Map<string, number[]>();

  constructor(
    stored: Map<string, StoredRunSummary>,
    plan: PlannedRun[],
    private readonly parallel: number,
  ) {
    for (const run of plan) {
      const previous = stored.get(run.key);
      if (previous && previous.status !== "failed") this.add(run.dataset, previous.wallSeconds);
    }
  }

  finished(run: PlannedRun, record: StudyRunRecord): void {
    if (record.status === "failed") return;
    this.add(run.dataset, (Date.parse(record.finishedAt) - Date.parse(record.startedAt)) / 1000);
  }

  format(remaining: PlannedRun[]): string {
    const all = [...this.durations.values()].flat();
    if (all.length === 0) return "unknown until a run finishes";
    const overall = average(all);
    let total = 0;
    for (const run of remaining) {
      const own = this.durations.get(run.dataset);
      total += own ? average(own) : overall;
    }
    return formatDuration(total / this.parallel);
  }

  private add(dataset: string, seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) return;
    const list = this.durations.get(dataset) ?? [];
    list.push(seconds);
    this.durations.set(dataset, list);
  }
}

function average(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Formats seconds as `45s`, `4m10s` or `1h02m`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

// ---------------------------------------------------------------------------
// Parallel runs in forked worker processes.

/** Messages from the runner to a worker. */
type ToWorker = { type: "run"; run: PlannedRun; parallel: number };

/** Messages from a worker to the runner. */
type FromWorker =
  | { type: "line"; line: string }
  | { type: "warn"; line: string }
  | { type: "result"; record: StudyRunRecord }
  | { type: "user-error"; kind: "ConfigError"; field: string; value: unknown; allowed: string }
  | { type: "user-error"; kind: "DataError"; message: string; path?: string };

interface WorkerHooks {
  announce(run: PlannedRun, index: number): void;
  line(run: PlannedRun, line: string): void;
  warn(line: string): void;
  save(run: PlannedRun, record: StudyRunRecord): void;
}

const WORKER_FILE = fileURLToPath(import.meta.url);

/**
 * Trains the runs on `width` forked workers, handing out the next run to
 * whichever worker finishes. A worker that exits mid-run (a crash, or
 * killed from outside) yields a failed record, and a new worker replaces it.
 */
async function runInWorkers(runs: PlannedRun[], width: number, hooks: WorkerHooks): Promise<void> {
  let next = 0;
  const children = new Set<ChildProcess>();
  let abort: Error | undefined;

  const startWorker = (): Promise<void> =>
    new Promise<void>((done) => {
      const child = fork(WORKER_FILE, [], {
        serialization: "advanced",
        stdio: ["ignore", "ignore", "inherit", "ipc"],
      });
      children.add(child);
      let current: { run: PlannedRun; startedAt: string } | undefined;

      const dispatch = () => {
        if (abort || next >= runs.length) {
          current = undefined;
          child.disconnect();
          return;
        }
        const index = next++;
        const run = runs[index]!;
        current = { run, startedAt: new Date().toISOString() };
        hooks.announce(run, index);
        child.send({ type: "run", run, parallel: width } satisfies ToWorker);
      };

      child.on("message", (message: FromWorker) => {
        const run = current?.run;
        if (!run) return;
        if (message.type === "line") hooks.line(run, message.line);
        else if (message.type === "warn") hooks.warn(message.line);
        else if (message.type === "result") {
          current = undefined;
          hooks.save(run, message.record);
          dispatch();
        } else {
          abort ??= message.kind === "ConfigError"
            ? new ConfigError(message.field, message.value, message.allowed)
            : new DataError(message.message, message.path);
          current = undefined;
          // Every other run would fail the same way: stop them all now.
          for (const other of children) other.kill();
        }
      });
      child.on("exit", (code, signal) => {
        children.delete(child);
        const lost = current;
        current = undefined;
        if (lost && !abort) {
          hooks.save(lost.run, workerExitRecord(lost.run, lost.startedAt, width, code, signal));
          if (next < runs.length) {
            // Replace the worker that died so the pool keeps its width.
            void startWorker().then(done);
            return;
          }
        }
        done();
      });
      dispatch();
    });

  const pool = Array.from({ length: Math.min(width, runs.length) }, () => startWorker());
  await Promise.all(pool);
  for (const child of children) child.kill();
  if (abort) throw abort;
}

function workerExitRecord(run: PlannedRun, startedAt: string, parallel: number, code: number | null, signal: NodeJS.Signals | null): StudyRunRecord {
  return {
    key: run.key,
    dataset: run.dataset,
    variant: run.variant,
    repeat: run.repeat,
    seed: run.seed,
    status: "failed",
    error: `worker process exited during the run (${signal ? `signal ${signal}` : `exit code ${code}`})`,
    config: run.config,
    engine: plannedEngine(run.config),
    epochs: [],
    totalSeconds: 0,
    parallel,
    startedAt,
    finishedAt: new Date().toISOString(),
  };
}

/**
 * Runs the worker side: trains each run it receives and sends back lines
 * and the record. The worker exits when the runner disconnects. It also
 * exits when the runner's process is gone (checked every epoch and every
 * 500 steps), because a runner killed with SIGKILL cannot tell it to stop.
 */
function startWorker(): void {
  const send = (message: FromWorker) => process.send!(message);
  const parentPid = process.ppid;
  const exitIfOrphaned = () => {
    if (!parentAlive(parentPid)) process.exit(1);
  };
  const watchdog: Callback = {
    onBatchEnd: (_epoch, logs) => {
      if (logs.step % 500 === 0) exitIfOrphaned();
    },
    onEpochEnd: exitIfOrphaned,
  };
  process.on("disconnect", () => process.exit(0));
  process.on("message", (message: ToWorker) => {
    if (message.type !== "run") return;
    const sink = { info: (line: string) => send({ type: "line", line }), progress: () => {}, interactive: false };
    executeRun(message.run, {
      parallel: message.parallel,
      callbacks: [watchdog, new EpochLines(sink, "")],
      log: (line) => send({ type: "line", line }),
      warn: (line) => send({ type: "warn", line }),
    }).then(
      (record) => send({ type: "result", record }),
      (err: unknown) => {
        if (err instanceof ConfigError) {
          send({ type: "user-error", kind: "ConfigError", field: err.field, value: err.value, allowed: err.allowed });
        } else if (err instanceof DataError) {
          send({ type: "user-error", kind: "DataError", message: err.message, path: err.path });
        } else {
          throw err;
        }
      },
    );
  });
}

/**
 * Returns true while the process that forked this worker runs. On Linux it
 * reads the current parent pid from /proc, which changes when an orphan is
 * re-parented. Elsewhere it probes the original parent with signal 0.
 */
function parentAlive(parentPid: number): boolean {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    // Field 4 is the parent pid. Field 2, the command name, is in parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[1]) === parentPid;
  } catch {
    try {
      process.kill(parentPid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

if (process.argv[1] && resolve(process.argv[1]) === WORKER_FILE) {
  if (!process.send) {
    console.error("runner.js is the study worker entry; start studies with `trainlab study`");
    process.exit(2);
  }
  startWorker();
}
