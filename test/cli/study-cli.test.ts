/**
 * End-to-end tests of `trainlab study` and `trainlab export` as processes.
 * A study killed with SIGKILL resumes without losing or duplicating runs,
 * and repeats yield confidence intervals and significance marks. Export
 * writes well-formed CSV and JSONL. User errors print one line and exit 2.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const root = mkdtempSync(join(tmpdir(), "trainlab-study-cli-"));
after(() => rmSync(root, { recursive: true, force: true }));

function trainlab(args: string[], timeoutMs = 120_000): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", timeout: timeoutMs, env: { ...process.env, CI: "1" } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface StoredRow {
  key: string;
  status: string;
  started_at: string;
  epochs: number;
}

function storedKeys(dir: string): StoredRow[] {
  const path = join(dir, "results.sqlite");
  if (!existsSync(path)) return [];
  const db = new Database(path, { readonly: true });
  try {
    return db
      .prepare("SELECT key, status, started_at, (SELECT COUNT(*) FROM epochs WHERE run_id = runs.id) AS epochs FROM runs ORDER BY key")
      .all() as StoredRow[];
  } catch {
    // The tables do not exist until the runner has created them.
    return [];
  } finally {
    db.close();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Lists the pids whose parent is `parent`, from /proc (Linux). */
function childPids(parent: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) === parent) pids.push(Number(entry));
    } catch {
      // The process exited while the directory was listed.
    }
  }
  return pids;
}

/** Returns true while the process exists and is not a zombie. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

describe("trainlab study after SIGKILL", () => {
  it("resumes with every run stored exactly once", async () => {
    const studyFile = join(root, "resume.yaml");
    // Six housing runs of 8 epochs of the full network, about 0.4 s each on
    // the 2-core development machine, so the kill lands mid-study.
    writeFileSync(
      studyFile,
      [
        "name: resume",
        "datasets: [california-housing]",
        "defaults: { epochs: 8, learningRate: 0.001 }",
        "variants:",
        "  - { name: default }",
        "  - { name: he_normal, init: he_normal }",
        "  - { name: elu, activation: elu, init: he_normal }",
        "repeats: 2",
        "",
      ].join("\n"),
    );
    const out = join(root, "resume");
    const args = [MAIN, "study", studyFile, "--out", out, "--no-report", "--quiet"];
    const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

    const deadline = Date.now() + 60_000;
    let atKill = storedKeys(out);
    while (atKill.length === 0 && Date.now() < deadline && child.exitCode === null) {
      await sleep(25);
      atKill = storedKeys(out);
    }
    child.kill("SIGKILL");
    await exited;
    assert.ok(atKill.length >= 1, `a run was stored before the kill (stderr: ${stderr})`);
    const afterKill = storedKeys(out);
    assert.ok(afterKill.length < 6, `the kill came before the study finished (${afterKill.length} runs stored)`);
    for (const row of afterKill) {
      if (row.status === "completed") assert.equal(row.epochs, 8, `${row.key} is stored whole`);
    }

    const rerun = trainlab(args.slice(1));
    assert.equal(rerun.status, 0, rerun.stderr);
    const final = storedKeys(out);
    const expected = ["default", "he_normal", "elu"].flatMap((v) => [0, 1].map((r) => `california-housing/${v}/${r}`)).sort();
    assert.deepEqual(final.map((r) => r.key), expected);
    for (const row of final) {
      // A diverged run stores the epochs finished before the loss blew up.
      if (row.status === "completed") assert.equal(row.epochs, 8, `${row.key} has all epochs`);
      else assert.equal(row.status, "diverged", `${row.key} status`);
    }
    for (const row of afterKill) {
      const again = final.find((r) => r.key === row.key)!;
      assert.equal(again.started_at, row.started_at, `${row.key} was not trained again`);
    }
    assert.ok(existsSync(join(out, "summary.md")));
  });
});

describe("trainlab study --parallel 2", () => {
  const studyFile = join(root, "parallel.yaml");
  writeFileSync(
    studyFile,
    [
      "name: parallel",
      "datasets: [california-housing]",
      "defaults: { epochs: 8, learningRate: 0.001 }",
      "variants: [{ name: default }, { name: he_normal, init: he_normal }]",
      "repeats: 3",
      "",
    ].join("\n"),
  );

  it("stores every run with parallel=2", () => {
    const out = join(root, "parallel");
    const result = trainlab(["study", studyFile, "--out", out, "--parallel", "2", "--no-report"]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /warning: --parallel 2 trains 2 runs at once; their timings interfere/);
    const db = new Database(join(out, "results.sqlite"), { readonly: true });
    try {
      const rows = db.prepare("SELECT key, parallel, status FROM runs ORDER BY key").all() as Array<{ key: string; parallel: number; status: string }>;
      assert.equal(rows.length, 6);
      assert.equal(new Set(rows.map((r) => r.key)).size, 6);
      for (const row of rows) assert.equal(row.parallel, 2, `${row.key} records parallel`);
    } finally {
      db.close();
    }
  });

  it("workers exit when the runner is killed", { skip: !existsSync("/proc/self/stat") }, async () => {
    const out = join(root, "parallel-kill");
    const child = spawn(process.execPath, [MAIN, "study", studyFile, "--out", out, "--parallel", "2", "--no-report", "--quiet"], {
      stdio: ["ignore", "ignore", "ignore"],
    });
    const exited = new Promise((resolve) => child.on("exit", resolve));
    let workers: number[] = [];
    const deadline = Date.now() + 30_000;
    while (workers.length < 2 && Date.now() < deadline && child.exitCode === null) {
      await sleep(25);
      workers = childPids(child.pid!);
    }
    child.kill("SIGKILL");
    await exited;
    assert.equal(workers.length, 2, "the runner started two workers");
    const gone = Date.now() + 10_000;
    while (workers.some(isRunning) && Date.now() < gone) await sleep(50);
    assert.deepEqual(workers.filter(isRunning), [], "orphaned workers exited");
  });
});

describe("trainlab study --repeats 3", () => {
  const out = join(root, "repeats");
  let result: ReturnType<typeof trainlab>;

  it("runs the cut-down quick study", () => {
    result = trainlab(["study", "quick", "--out", out, "--repeats", "3", "--variants", "default,he_normal,zeros_init", "--no-report"]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /\[run 1\/18\] fashion-mnist \/ default \(repeat 1\/3\) — ETA /);
    assert.match(result.stdout, /\[run 18\/18\] california-housing \/ he_normal \(repeat 3\/3\) — ETA /);
  });

  it("summary has intervals and significance marks", () => {
    const summary = readFileSync(join(out, "summary.md"), "utf8");
    for (const dataset of ["fashion-mnist", "california-housing"]) {
      const section = summary.split(`## ${dataset}`)[1]!.split("### Recommendations")[0]!;
      const rows = section.split("\n").filter((l) => /^\| (default|he_normal|zeros_init) \|/.test(l));
      assert.equal(rows.length, 3, `${dataset} has 3 variant rows`);
      for (const row of rows) assert.match(row, /\| 3 \| \d+\.\d{4} ± \d+\.\d{4} \|/, `${dataset} row has a CI: ${row}`);
      assert.match(section, /\| baseline \|/);
      const marks = rows.filter((r) => /p=(<0\.001|\d\.\d{3}) (significant|n\.s\.) \|$/.test(r));
      assert.equal(marks.length, 2, `${dataset}: both non-baseline rows carry a Welch mark`);
    }
    assert.match(result.stdout, /± /);
  });

  it("export writes well-formed CSV and JSONL", () => {
    const exportDir = join(root, "export");
    const exported = trainlab(["export", out, "--out", exportDir]);
    assert.equal(exported.status, 0, exported.stderr);

    const runs = parseCsv(readFileSync(join(exportDir, "runs.csv"), "utf8"));
    const header = runs[0]!;
    assert.equal(runs.length, 1 + 18);
    for (const row of runs) assert.equal(row.length, header.length);
    const column = (name: string) => header.indexOf(name);
    assert.equal(column("key"), 0);
    assert.ok(column("config") > 0, "runs.csv has a config column");
    assert.ok(column("test_accuracy") > 0, "runs.csv has a test_accuracy column");
    const first = runs[1]!;
    // The config column contains commas and quotes, so it must survive quoting.
    const config = JSON.parse(first[column("config")]!) as { dataset: string; hidden: number[] };
    assert.equal(config.dataset, first[column("dataset")]);
    assert.deepEqual(config.hidden, [300, 100, 50, 50, 50]);
    assert.equal(new Set(runs.slice(1).map((r) => r[0])).size, 18);

    const epochs = parseCsv(readFileSync(join(exportDir, "epochs.csv"), "utf8"));
    assert.equal(epochs.length, 1 + 18 * 2);
    for (const row of epochs) assert.equal(row.length, epochs[0]!.length);
    assert.ok(epochs.slice(1).every((r) => Number.isFinite(Number(r[epochs[0]!.indexOf("loss")]))));

    const runLines = readFileSync(join(exportDir, "runs.jsonl"), "utf8").trimEnd().split("\n");
    assert.equal(runLines.length, 18);
    for (const line of runLines) {
      const run = JSON.parse(line) as Record<string, unknown>;
      assert.equal(run.epochsRun, 2);
      assert.equal(run.epochs, undefined);
      assert.ok(typeof run.key === "string");
    }
    const epochLines = readFileSync(join(exportDir, "epochs.jsonl"), "utf8").trimEnd().split("\n");
    assert.equal(epochLines.length, 36);
    const epochRow = JSON.parse(epochLines[1]!) as Record<string, unknown>;
    assert.equal(epochRow.epoch, 2);
    assert.equal(typeof epochRow.val_loss, "number");
  });
});

describe("trainlab study errors", () => {
  const oneLine = (stderr: string) => stderr.trimEnd().split("\n");

  it("unknown study name", () => {
    const result = trainlab(["study", "nosuch"]);
    assert.equal(result.status, 2);
    assert.deepEqual(oneLine(result.stderr).length, 1, result.stderr);
    assert.match(result.stderr, /^trainlab study: invalid study: "nosuch" \(expected a built-in study \(reference, quick\)/);
  });

  it("invalid variant in a file", () => {
    const file = join(root, "bad.yaml");
    writeFileSync(file, "name: bad\ndatasets: [california-housing]\nvariants:\n  - name: default\n  - name: oops\n    activation: bogus\n");
    const result = trainlab(["study", file, "--out", join(root, "bad")]);
    assert.equal(result.status, 2);
    assert.equal(oneLine(result.stderr).length, 1, result.stderr);
    assert.match(result.stderr, /invalid variants\[1\]\.activation: "bogus"/);
  });

  it("malformed YAML file", () => {
    const file = join(root, "broken.yaml");
    writeFileSync(file, "name: [unclosed\n");
    const result = trainlab(["study", file]);
    assert.equal(result.status, 2);
    assert.equal(oneLine(result.stderr).length, 1, result.stderr);
    assert.match(result.stderr, /invalid YAML/);
  });

  it("unknown variant filter", () => {
    const result = trainlab(["study", "quick", "--variants", "nope", "--out", join(root, "filter")]);
    assert.equal(result.status, 2);
    assert.equal(oneLine(result.stderr).length, 1, result.stderr);
    assert.match(result.stderr, /invalid --variants: "nope"/);
  });

  it("export of a directory without results", () => {
    const result = trainlab(["export", join(root, "empty")]);
    assert.equal(result.status, 2);
    assert.equal(oneLine(result.stderr).length, 1, result.stderr);
    assert.match(result.stderr, /results\.sqlite not found/);
  });
});

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF) into rows of fields. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      assert.equal(field, "", `quote inside an unquoted field at offset ${i}`);
      quoted = true;
    } else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else {
      assert.notEqual(ch, "\n", `bare LF at offset ${i}`);
      field += ch;
    }
  }
  assert.equal(quoted, false, "unterminated quoted field");
  assert.equal(field, "", "text after the last line end");
  return rows;
}
