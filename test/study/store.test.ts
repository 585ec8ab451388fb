/**
 * Tests of the SQLite results store. Records round-trip, non-finite numbers
 * included, and a run with its epochs is stored all or nothing. Duplicate
 * keys are rejected unless replaced, a second study name is rejected, and
 * the writer claim keeps two live runners apart.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";

import { ConfigError, DataError } from "../../src/errors.js";
import { StudyStore, loadStudyResults } from "../../src/study/store.js";
import type { MachineInfo, StudyRunRecord } from "../../src/study/types.js";
import type { EpochLogs } from "../../src/train/callbacks.js";
import { validateRunConfig } from "../../src/train/run-config.js";

const root = mkdtempSync(join(tmpdir(), "trainlab-store-"));
after(() => rmSync(root, { recursive: true, force: true }));
let dirCount = 0;
const freshDir = () => join(root, `study-${dirCount++}`);

const MACHINE: MachineInfo = {
  cpuModel: "Test CPU",
  cores: 2,
  memoryBytes: 8e9,
  node: "v20.0.0",
  platform: "linux test x64",
  blasCore: "Haswell",
  threads: 1,
};

function epoch(n: number): EpochLogs {
  return {
    loss: 1 / n,
    accuracy: 0.5 + n / 100,
    val_loss: 1.1 / n,
    val_accuracy: 0.49 + n / 100,
    seconds: 0.25 * n,
    stepMs: 0.5,
    gradNorm: 2 + n,
    learningRate: 0.001,
  };
}

function record(key: string, overrides: Partial<StudyRunRecord> = {}): StudyRunRecord {
  const [dataset, variant, repeat] = key.split("/") as [StudyRunRecord["dataset"], string, string];
  const epochs = [epoch(1), epoch(2), epoch(3)];
  return {
    key,
    dataset,
    variant,
    repeat: Number(repeat),
    seed: 42 + Number(repeat),
    status: "completed",
    config: validateRunConfig({ dataset, hidden: [32], epochs: 3, target: { metric: "val_accuracy", value: 0.5 } }),
    engine: { backend: "native", threads: 1, blasCore: "Haswell", node: "v20.0.0" },
    epochs,
    best: { epoch: 3, logs: epochs[2]! },
    test: { loss: 0.4, accuracy: 0.52 },
    timeToTarget: { metric: "val_accuracy", value: 0.5, reached: true, epoch: 2, seconds: 0.75 },
    baseline: { metric: "val_accuracy", value: 0.1 },
    totalSeconds: 1.5,
    parallel: 1,
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:00:02.000Z",
    ...overrides,
  };
}

function countRows(dir: string, table: string): number {
  const db = new Database(join(dir, "results.sqlite"), { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe("StudyStore", () => {
  it("round-trips runs, epochs and the machine", () => {
    const dir = freshDir();
    const store = StudyStore.open(dir);
    const machineId = store.beginSession("tiny", { name: "tiny", variants: [] }, MACHINE);
    const completed = record("fashion-mnist/default/0");
    const diverged = record("fashion-mnist/ones/0", {
      status: "diverged",
      diverged: { epoch: 2, step: 17, loss: "NaN" },
      epochs: [epoch(1)],
      best: { epoch: 1, logs: epoch(1) },
      timeToTarget: { metric: "val_accuracy", value: 0.5, reached: false },
    });
    const failed = record("fashion-mnist/broken/0", {
      status: "failed",
      error: "Error: out of memory, \"quoted\"",
      epochs: [],
      best: undefined,
      test: undefined,
      timeToTarget: undefined,
      baseline: undefined,
      totalSeconds: 0,
    });
    delete failed.best;
    delete failed.test;
    delete failed.timeToTarget;
    delete failed.baseline;
    for (const r of [completed, diverged, failed]) store.saveRun(r, { machineId });
    store.close();

    const results = loadStudyResults(dir);
    assert.equal(results.name, "tiny");
    assert.deepEqual(results.definition, { name: "tiny", variants: [] });
    assert.deepEqual(results.machine, MACHINE);
    assert.equal(results.runs.length, 3);
    assert.deepEqual(results.runs[0], completed);
    assert.deepEqual(results.runs[2], failed);
    assert.deepEqual(results.runs[1], diverged);
  });

  it("keeps non-finite numbers in JSON fields", () => {
    const dir = freshDir();
    const store = StudyStore.open(dir);
    store.beginSession("tiny", {}, MACHINE);
    const logs = { ...epoch(1), val_loss: Infinity };
    store.saveRun(record("california-housing/ones/0", { best: { epoch: 1, logs }, test: { loss: NaN, mse: -Infinity } }));
    store.close();
    const loaded = loadStudyResults(dir).runs[0]!;
    assert.equal(loaded.best!.logs.val_loss, Infinity);
    assert.ok(Number.isNaN(loaded.test!.loss));
    assert.equal(loaded.test!.mse, -Infinity);
  });

  it("stores a run with its epochs all or nothing", () => {
    const dir = freshDir();
    const store = StudyStore.open(dir);
    store.beginSession("tiny", {}, MACHINE);
    const bad = record("fashion-mnist/default/0");
    // better-sqlite3 cannot bind an object: the third epoch insert throws
    // after the run row and two epoch rows were written in the transaction.
    (bad.epochs[2] as unknown as Record<string, unknown>).loss = { not: "a number" };
    assert.throws(() => store.saveRun(bad), Error);
    store.close();
    assert.equal(countRows(dir, "runs"), 0);
    assert.equal(countRows(dir, "epochs"), 0);
  });

  it("rejects a duplicate key unless replacing", () => {
    const dir = freshDir();
    const store = StudyStore.open(dir);
    store.beginSession("tiny", {}, MACHINE);
    store.saveRun(record("fashion-mnist/default/0", { status: "failed", error: "boom", epochs: [] }));
    assert.throws(() => store.saveRun(record("fashion-mnist/default/0")), /UNIQUE/);
    store.saveRun(record("fashion-mnist/default/0"), { replace: true });
    assert.equal(store.storedRuns().get("fashion-mnist/default/0")!.status, "completed");
    store.close();
    assert.equal(countRows(dir, "runs"), 1);
    assert.equal(countRows(dir, "epochs"), 3);
  });

  it("reports stored runs with wall seconds", () => {
    const dir = freshDir();
    const store = StudyStore.open(dir);
    store.beginSession("tiny", {}, MACHINE);
    store.saveRun(record("fashion-mnist/default/0"));
    const stored = store.storedRuns().get("fashion-mnist/default/0")!;
    store.close();
    assert.equal(stored.status, "completed");
    assert.equal(stored.wallSeconds, 2);
    assert.equal(JSON.parse(stored.config).hidden[0], 32);
  });

  it("rejects another study name", () => {
    const dir = freshDir();
    const store = StudyStore.open(dir);
    store.beginSession("tiny", {}, MACHINE);
    assert.throws(() => store.beginSession("other", {}, MACHINE), ConfigError);
    store.close();
  });

  it("reuses an identical machine row", () => {
    const dir = freshDir();
    const store = StudyStore.open(dir);
    const first = store.beginSession("tiny", {}, MACHINE);
    const again = store.beginSession("tiny", {}, MACHINE);
    const other = store.beginSession("tiny", {}, { ...MACHINE, threads: 2 });
    store.close();
    assert.equal(again, first);
    assert.notEqual(other, first);
  });

  it("loading a directory without a store is a DataError", () => {
    assert.throws(() => loadStudyResults(freshDir()), DataError);
  });
});

describe("StudyStore writer claim", () => {
  it("rejects a second live writer", async () => {
    const dir = freshDir();
    StudyStore.open(dir).close();
    // A child process claims the store and stays alive until killed.
    const script = `
      import { StudyStore } from ${JSON.stringify(new URL("../../src/study/store.js", import.meta.url).href)};
      const store = StudyStore.open(${JSON.stringify(dir)});
      store.acquireWriter();
      console.log("claimed");
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("claimed") && resolve());
        child.on("exit", (code) => reject(new Error(`claiming process exited with ${code}`)));
      });
      const store = StudyStore.open(dir);
      assert.throws(() => store.acquireWriter(), /in use by another process/);
      store.close();
    } finally {
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
    }
    // The claim of a killed process is taken over.
    const store = StudyStore.open(dir);
    store.acquireWriter();
    store.releaseWriter();
    store.close();
  });
});
