import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { HOSTILE_VARIANT, sampleStudy, saveStudy, writeFashionFixture } from "../report/fixtures.js";

/** The compiled CLI: this test runs from dist/test/cli. */
const CLI = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

function trainlab(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env, TRAINLAB_DATA_DIR: "" };
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env, timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function withTempDir(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "trainlab-report-cli-"));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Asserts a user error: exit status 2 and one line on stderr matching `pattern`. */
function assertOneLineError(result: ReturnType<typeof trainlab>, pattern: RegExp): void {
  assert.equal(result.status, 2, `stderr: ${result.stderr}`);
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `expected one line, got:\n${result.stderr}`);
  assert.match(lines[0]!, pattern);
}

test("report writes report.html", () => {
  withTempDir((dir) => {
    const study = join(dir, "study");
    saveStudy(study, sampleStudy());
    writeFashionFixture(join(dir, "data"));
    const result = trainlab("report", study, "--data-dir", join(dir, "data"));
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, `wrote ${join(study, "report.html")}\n`);
    assert.equal(result.stderr, "");
    const html = readFileSync(join(study, "report.html"), "utf8");
    assert.ok(!html.includes(HOSTILE_VARIANT));
    assert.equal(html.match(/<img /g)?.length, 25);
  });
});

test("report warns when images are missing", () => {
  withTempDir((dir) => {
    saveStudy(dir, sampleStudy());
    const result = trainlab("report", dir, "--data-dir", join(dir, "absent"), "--quiet");
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /^Fashion-MNIST image grid omitted from the report: .*absent does not exist\n$/);
    assert.ok(existsSync(join(dir, "report.html")));
  });
});

test("report of missing directory exits 2", () => {
  withTempDir((dir) => {
    assertOneLineError(trainlab("report", join(dir, "nope")), /^trainlab report: study directory .*nope does not exist$/);
  });
});

test("report without results exits 2", () => {
  withTempDir((dir) => {
    assertOneLineError(trainlab("report", dir), /^trainlab report: .*results\.sqlite not found/);
    saveStudy(join(dir, "empty"), { ...sampleStudy(), runs: [] });
    assertOneLineError(trainlab("report", join(dir, "empty")), /has no run results yet; run the study first$/);
    assert.ok(!existsSync(join(dir, "empty", "report.html")));
  });
});

test("report of damaged store exits 2", () => {
  withTempDir((dir) => {
    writeFileSync(join(dir, "results.sqlite"), "this is not an SQLite database, only text that is long enough\n".repeat(4));
    assertOneLineError(trainlab("report", dir), /^trainlab report: failed to read the study results in .*: file is not a database \(SQLITE_NOTADB\)$/);
  });
});

test("report argument errors exit 2", () => {
  withTempDir((dir) => {
    const file = join(dir, "file");
    writeFileSync(file, "x");
    assertOneLineError(trainlab("report"), /^trainlab report: invalid arguments: "\(none\)" \(expected the study directory/);
    assertOneLineError(trainlab("report", dir, dir), /one study directory only/);
    assertOneLineError(trainlab("report", file), /is not a directory$/);
    assertOneLineError(trainlab("report", dir, "--bogus"), /invalid option: "--bogus"/);
  });
});

test("report and show-data have help", () => {
  const report = trainlab("report", "--help");
  assert.equal(report.status, 0);
  assert.match(report.stdout, /^Usage: trainlab report DIR \[options\]/);
  assert.match(report.stdout, /--no-images/);
  const showData = trainlab("show-data", "--help");
  assert.equal(showData.status, 0);
  assert.match(showData.stdout, /^Usage: trainlab show-data fashion-mnist --out FILE/);
  const usage = trainlab("--help");
  assert.match(usage.stdout, /\n {2}report {6}write DIR\/report\.html/);
  assert.match(usage.stdout, /\n {2}show-data {3}write a 5x5 grid/);
});
