/**
 * The results store of a study is one SQLite file, `DIR/results.sqlite`
 * (better-sqlite3, WAL journal, synchronous=FULL). Its tables:
 *
 * - study: one row with the name, definition JSON, created and updated times.
 * - machines: CPU model, cores, memory, Node, platform, BLAS and threads.
 * - runs: one row per run with a UNIQUE `key`, the config, engine, best,
 *   test, time-to-target and baseline as JSON, and flat totals.
 * - epochs: one row per (run, epoch) with the Keras-named metrics, seconds,
 *   median step ms, gradient norm and learning rate.
 * - writer: the process that currently runs the study, so two runners
 *   never write the same directory at once.
 *
 * A run and all its epochs are inserted in one transaction, so a process
 * killed at any point leaves either the whole run or none of it.
 */
import Database from "better-sqlite3";
import { existsSync, mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { ConfigError, DataError } from "../errors.js";
import type { EpochLogs } from "../train/callbacks.js";
import { median } from "./statistics.js";
import type { MachineInfo, StudyResults, StudyRunRecord } from "./types.js";

export const RESULTS_FILE = "results.sqlite";
const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS study (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  name TEXT NOT NULL,
  definition TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS machines (
  id INTEGER PRIMARY KEY,
  cpu_model TEXT NOT NULL,
  cores INTEGER NOT NULL,
  memory_bytes INTEGER NOT NULL,
  node TEXT NOT NULL,
  platform TEXT NOT NULL,
  blas_core TEXT,
  blas_config TEXT,
  threads INTEGER,
  recorded_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  dataset TEXT NOT NULL,
  variant TEXT NOT NULL,
  repeat INTEGER NOT NULL,
  seed INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('completed', 'diverged', 'failed')),
  error TEXT,
  diverged TEXT,
  config TEXT NOT NULL,
  engine TEXT NOT NULL,
  epochs_run INTEGER NOT NULL,
  total_seconds REAL NOT NULL,
  median_step_ms REAL,
  best_epoch INTEGER,
  best TEXT,
  test TEXT,
  time_to_target TEXT,
  baseline TEXT,
  parallel INTEGER NOT NULL,
  machine_id INTEGER REFERENCES machines(id),
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS epochs (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  epoch INTEGER NOT NULL,
  loss REAL,
  accuracy REAL,
  mae REAL,
  mse REAL,
  rmse REAL,
  val_loss REAL,
  val_accuracy REAL,
  val_mae REAL,
  val_mse REAL,
  val_rmse REAL,
  seconds REAL,
  step_ms REAL,
  grad_norm REAL,
  learning_rate REAL,
  PRIMARY KEY (run_id, epoch)
);
CREATE TABLE IF NOT EXISTS writer (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  pid INTEGER NOT NULL,
  hostname TEXT NOT NULL,
  started_at TEXT NOT NULL
);
`;

/** Epoch columns and the EpochLogs key each one stores. */
const EPOCH_COLUMNS: ReadonlyArray<readonly [column: string, key: keyof EpochLogs]> = [
  ["loss", "loss"],
  ["accuracy", "accuracy"],
  ["mae", "mae"],
  ["mse", "mse"],
  ["rmse", "rmse"],
  ["val_loss", "val_loss"],
  ["val_accuracy", "val_accuracy"],
  ["val_mae", "val_mae"],
  ["val_mse", "val_mse"],
  ["val_rmse", "val_rmse"],
  ["seconds", "seconds"],
  ["step_ms", "stepMs"],
  ["grad_norm", "gradNorm"],
  ["learning_rate", "learningRate"],
];

/** Fields of EpochLogs that are always present, so NULL reads back as NaN for them. */
const REQUIRED_EPOCH_KEYS = new Set<keyof EpochLogs>(["loss", "seconds", "stepMs", "learningRate"]);

/** The stored facts about a run that decide whether a resume skips it. */
export interface StoredRunSummary {
  status: StudyRunRecord["status"];
  /** The run description as stored (JSON). */
  config: string;
  /** Wall time from start to finish, data loading included. */
  wallSeconds: number;
}

export class StudyStore {
  private constructor(
    readonly path: string,
    private readonly db: Database.Database,
  ) {}

  /** Opens (creating when needed) the store of a study directory for writing. */
  static open(dir: string): StudyStore {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, RESULTS_FILE);
    const db = new Database(path);
    try {
      db.pragma("journal_mode = WAL");
      // FULL syncs the WAL at every commit, so a stored run also survives
      // an operating-system crash, not only a killed process.
      db.pragma("synchronous = FULL");
      db.pragma("foreign_keys = ON");
      db.pragma("busy_timeout = 5000");
      checkSchemaVersion(db, path);
      db.exec(SCHEMA);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    } catch (err) {
      db.close();
      throw err;
    }
    return new StudyStore(path, db);
  }

  /** Opens an existing store read-only. Throws DataError when the directory contains none. */
  static openReadOnly(dir: string): StudyStore {
    const path = join(dir, RESULTS_FILE);
    if (!existsSync(path)) {
      throw new DataError(`${path} not found: run \`trainlab study ... --out ${dir}\` first`, path);
    }
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      db.pragma("busy_timeout = 5000");
      checkSchemaVersion(db, path);
    } catch (err) {
      db.close();
      throw err;
    }
    return new StudyStore(path, db);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /**
   * Claims the store for this process. Throws ConfigError while another
   * live process on this host has claimed it. A claim left by a process
   * that no longer exists (e.g. one killed with SIGKILL) is taken over.
   */
  acquireWriter(): void {
    const host = hostname();
    const claim = this.db.transaction(() => {
      const row = this.db.prepare("SELECT pid, hostname FROM writer WHERE id = 1").get() as
        | { pid: number; hostname: string }
        | undefined;
      if (row && row.pid !== process.pid) {
        if (row.hostname !== host) {
          throw new ConfigError("--out", this.path, `a study directory not in use by host ${row.hostname} (pid ${row.pid}). If that process is gone, delete the row of the \`writer\` table`);
        }
        if (processExists(row.pid)) {
          throw new ConfigError("--out", this.path, `a study directory not in use by another process (pid ${row.pid} is running this study)`);
        }
      }
      this.db
        .prepare("INSERT OR REPLACE INTO writer (id, pid, hostname, started_at) VALUES (1, ?, ?, ?)")
        .run(process.pid, host, new Date().toISOString());
    });
    claim.immediate();
  }

  /** Releases the claim taken by acquireWriter. */
  releaseWriter(): void {
    this.db.prepare("DELETE FROM writer WHERE id = 1 AND pid = ?").run(process.pid);
  }

  /**
   * Records the study and the machine of this session and returns the
   * machine's row id. A store created by another study name is rejected.
   * The current definition replaces the stored one, since it may differ in
   * repeats. The runner checks each stored run's config separately.
   */
  beginSession(name: string, definition: unknown, machine: MachineInfo): number {
    const now = new Date().toISOString();
    const begin = this.db.transaction(() => {
      const study = this.db.prepare("SELECT name FROM study WHERE id = 1").get() as { name: string } | undefined;
      if (study && study.name !== name) {
        throw new ConfigError("--out", this.path, `the directory of study "${name}", but it contains study "${study.name}". Choose another --out`);
      }
      if (study) {
        this.db.prepare("UPDATE study SET definition = ?, updated_at = ? WHERE id = 1").run(JSON.stringify(definition), now);
      } else {
        this.db
          .prepare("INSERT INTO study (id, name, definition, created_at, updated_at) VALUES (1, ?, ?, ?, ?)")
          .run(name, JSON.stringify(definition), now, now);
      }
      return this.machineId(machine, now);
    });
    return begin.immediate();
  }

  private machineId(machine: MachineInfo, now: string): number {
    const values = [
      machine.cpuModel, machine.cores, machine.memoryBytes, machine.node, machine.platform,
      machine.blasCore ?? null, machine.blasConfig ?? null, machine.threads ?? null,
    ];
    const existing = this.db
      .prepare(
        `SELECT id FROM machines WHERE cpu_model IS ? AND cores IS ? AND memory_bytes IS ? AND node IS ?
         AND platform IS ? AND blas_core IS ? AND blas_config IS ? AND threads IS ? ORDER BY id LIMIT 1`,
      )
      .get(...values) as { id: number } | undefined;
    if (existing) return existing.id;
    const result = this.db
      .prepare(
        `INSERT INTO machines (cpu_model, cores, memory_bytes, node, platform, blas_core, blas_config, threads, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(...values, now);
    return Number(result.lastInsertRowid);
  }

  /** Stored runs by key. */
  storedRuns(): Map<string, StoredRunSummary> {
    const rows = this.db.prepare("SELECT key, status, config, started_at, finished_at FROM runs").all() as Array<{
      key: string;
      status: StudyRunRecord["status"];
      config: string;
      started_at: string;
      finished_at: string;
    }>;
    return new Map(
      rows.map((r) => [
        r.key,
        { status: r.status, config: r.config, wallSeconds: (Date.parse(r.finished_at) - Date.parse(r.started_at)) / 1000 },
      ]),
    );
  }

  /**
   * Inserts a run with all its epochs in one transaction. With `replace`,
   * a stored run with the same key (e.g. a failed one being retried) is
   * deleted in the same transaction. Otherwise a duplicate key throws.
   */
  saveRun(record: StudyRunRecord, options: { machineId?: number; replace?: boolean } = {}): void {
    const insertRun = this.db.prepare(
      `INSERT INTO runs (key, dataset, variant, repeat, seed, status, error, diverged, config, engine,
         epochs_run, total_seconds, median_step_ms, best_epoch, best, test, time_to_target, baseline,
         parallel, machine_id, started_at, finished_at)
       VALUES (@key, @dataset, @variant, @repeat, @seed, @status, @error, @diverged, @config, @engine,
         @epochs_run, @total_seconds, @median_step_ms, @best_epoch, @best, @test, @time_to_target, @baseline,
         @parallel, @machine_id, @started_at, @finished_at)`,
    );
    const insertEpoch = this.db.prepare(
      `INSERT INTO epochs (run_id, epoch, ${EPOCH_COLUMNS.map(([c]) => c).join(", ")})
       VALUES (?, ?, ${EPOCH_COLUMNS.map(() => "?").join(", ")})`,
    );
    const save = this.db.transaction(() => {
      if (options.replace) this.db.prepare("DELETE FROM runs WHERE key = ?").run(record.key);
      const result = insertRun.run({
        key: record.key,
        dataset: record.dataset,
        variant: record.variant,
        repeat: record.repeat,
        seed: record.seed,
        status: record.status,
        error: record.error ?? null,
        diverged: encodeMetrics(record.diverged),
        config: JSON.stringify(record.config),
        engine: JSON.stringify(record.engine),
        epochs_run: record.epochs.length,
        total_seconds: record.totalSeconds,
        median_step_ms: medianStepMs(record.epochs),
        best_epoch: record.best?.epoch ?? null,
        best: encodeMetrics(record.best),
        test: encodeMetrics(record.test),
        time_to_target: encodeMetrics(record.timeToTarget),
        baseline: encodeMetrics(record.baseline),
        parallel: record.parallel,
        machine_id: options.machineId ?? null,
        started_at: record.startedAt,
        finished_at: record.finishedAt,
      });
      const runId = result.lastInsertRowid;
      record.epochs.forEach((logs, index) => {
        insertEpoch.run(runId, index + 1, ...EPOCH_COLUMNS.map(([, key]) => logs[key] ?? null));
      });
    });
    save.immediate();
  }

  /** Rebuilds the study's records from the database, with runs in insertion order. */
  load(): StudyResults {
    const study = this.db.prepare("SELECT name, definition, created_at FROM study WHERE id = 1").get() as
      | { name: string; definition: string; created_at: string }
      | undefined;
    if (!study) throw new DataError(`${this.path} contains no study yet: run \`trainlab study\` first`, this.path);
    const machineRow = this.db.prepare("SELECT * FROM machines ORDER BY id LIMIT 1").get() as MachineRow | undefined;

    const epochRows = this.db.prepare("SELECT * FROM epochs ORDER BY run_id, epoch").all() as Array<Record<string, number | null>>;
    const epochsByRun = new Map<number, EpochLogs[]>();
    for (const row of epochRows) {
      const runId = row.run_id as number;
      let list = epochsByRun.get(runId);
      if (!list) epochsByRun.set(runId, (list = []));
      list.push(decodeEpoch(row));
    }

    const runRows = this.db.prepare("SELECT * FROM runs ORDER BY id").all() as RunRow[];
    const runs = runRows.map((row) => decodeRun(row, epochsByRun.get(row.id) ?? []));
    return {
      name: study.name,
      definition: JSON.parse(study.definition),
      machine: machineRow ? decodeMachine(machineRow) : unknownMachine(),
      createdAt: study.created_at,
      runs,
    };
  }
}

/** Loads everything stored about the study in `dir` (read-only). */
export function loadStudyResults(dir: string): StudyResults {
  const store = StudyStore.openReadOnly(dir);
  try {
    return store.load();
  } finally {
    store.close();
  }
}

interface MachineRow {
  cpu_model: string;
  cores: number;
  memory_bytes: number;
  node: string;
  platform: string;
  blas_core: string | null;
  blas_config: string | null;
  threads: number | null;
}

interface RunRow {
  id: number;
  key: string;
  dataset: StudyRunRecord["dataset"];
  variant: string;
  repeat: number;
  seed: number;
  status: StudyRunRecord["status"];
  error: string | null;
  diverged: string | null;
  config: string;
  engine: string;
  total_seconds: number;
  best: string | null;
  test: string | null;
  time_to_target: string | null;
  baseline: string | null;
  parallel: number;
  started_at: string;
  finished_at: string;
}

function checkSchemaVersion(db: Database.Database, path: string): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new DataError(`${path} has store schema version ${version}, newer than this trainlab's ${SCHEMA_VERSION}: upgrade trainlab`, path);
  }
}

function decodeRun(row: RunRow, epochs: EpochLogs[]): StudyRunRecord {
  const record: StudyRunRecord = {
    key: row.key,
    dataset: row.dataset,
    variant: row.variant,
    repeat: row.repeat,
    seed: row.seed,
    status: row.status,
    config: JSON.parse(row.config),
    engine: JSON.parse(row.engine),
    epochs,
    totalSeconds: row.total_seconds,
    parallel: row.parallel,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
  if (row.error !== null) record.error = row.error;
  if (row.diverged !== null) record.diverged = decodeMetrics(row.diverged);
  if (row.best !== null) record.best = decodeMetrics(row.best);
  if (row.test !== null) record.test = decodeMetrics(row.test);
  if (row.time_to_target !== null) record.timeToTarget = decodeMetrics(row.time_to_target);
  if (row.baseline !== null) record.baseline = decodeMetrics(row.baseline);
  return record;
}

/**
 * Rebuilds an epoch's logs. SQLite stores NaN as NULL, so a NaN in an
 * optional field reads back as absent and in a required field as NaN.
 */
function decodeEpoch(row: Record<string, number | null>): EpochLogs {
  const logs: Record<string, number> = {};
  for (const [column, key] of EPOCH_COLUMNS) {
    const value = row[column];
    if (value !== null && value !== undefined) logs[key] = value;
    else if (REQUIRED_EPOCH_KEYS.has(key)) logs[key] = NaN;
  }
  return logs as unknown as EpochLogs;
}

function decodeMachine(row: MachineRow): MachineInfo {
  const machine: MachineInfo = {
    cpuModel: row.cpu_model,
    cores: row.cores,
    memoryBytes: row.memory_bytes,
    node: row.node,
    platform: row.platform,
  };
  if (row.blas_core !== null) machine.blasCore = row.blas_core;
  if (row.blas_config !== null) machine.blasConfig = row.blas_config;
  if (row.threads !== null) machine.threads = row.threads;
  return machine;
}

function unknownMachine(): MachineInfo {
  return { cpuModel: "unknown", cores: 0, memoryBytes: 0, node: "unknown", platform: "unknown" };
}

function medianStepMs(epochs: EpochLogs[]): number | null {
  const values = epochs.map((e) => e.stepMs).filter(Number.isFinite);
  return values.length === 0 ? null : median(values);
}

/**
 * JSON has no NaN or ±Infinity, so a non-finite number (an exploding val
 * MSE, say) is stored as {"$nonFinite": "NaN"} and read back as the number.
 * Because the tag is an object, text fields such as Divergence.loss ("NaN")
 * stay text.
 */
const NON_FINITE_TAG = "$nonFinite";

function encodeMetrics(value: unknown): string | null {
  if (value === undefined) return null;
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "number" && !Number.isFinite(v) ? { [NON_FINITE_TAG]: String(v) } : v,
  );
}

function decodeMetrics<T>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (typeof v === "object" && v !== null && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === NON_FINITE_TAG) return Number((v as Record<string, string>)[NON_FINITE_TAG]);
    }
    return v;
  }) as T;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
