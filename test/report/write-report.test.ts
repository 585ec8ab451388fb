import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataError } from "../../src/errors.js";
import { REPORT_FILE_NAME, writeReport } from "../../src/report/html.js";
import { HOSTILE_VARIANT, sampleStudy, saveStudy, writeFashionFixture } from "./fixtures.js";

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "trainlab-report-"));
}

test("writeReport renders stored results", async () => {
  const dir = tempDir();
  try {
    saveStudy(join(dir, "study"), sampleStudy());
    writeFashionFixture(join(dir, "data"));
    const warnings: string[] = [];
    const path = await writeReport(join(dir, "study"), { dataDir: join(dir, "data"), warn: (line) => warnings.push(line) });
    assert.equal(path, join(dir, "study", REPORT_FILE_NAME));
    const html = readFileSync(path, "utf8");
    assert.ok(!html.includes(HOSTILE_VARIANT));
    assert.equal(html.match(/<img src="data:image\/png;base64,/g)?.length, 25);
    assert.match(html, /The first 25 training images/);
    assert.match(html, /sigmoid\/glorot_uniform<\/th><td class="wrap">3 \(1 diverged, 1 failed\)<\/td>/);
    assert.match(html, /<li><strong>Most accurate<\/strong>: relu\/he_normal: /);
    assert.deepEqual(warnings, []);
    const leftovers = readdirSync(join(dir, "study")).filter((name) => name.includes(".tmp-"));
    assert.deepEqual(leftovers, [], "temporary file left behind");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("writeReport explains missing images", async () => {
  const dir = tempDir();
  try {
    saveStudy(dir, sampleStudy());
    const warnings: string[] = [];
    const path = await writeReport(dir, { dataDir: join(dir, "no-such-data"), seed: 3, warn: (line) => warnings.push(line) });
    const html = readFileSync(path, "utf8");
    assert.doesNotMatch(html, /<img /);
    assert.match(html, /The image grid is omitted because Fashion-MNIST could not be read: Fashion-MNIST directory .*no-such-data does not exist/);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^Fashion-MNIST image grid omitted from the report: /);
    const skipped = readFileSync(await writeReport(dir, { images: false }), "utf8");
    assert.match(skipped, /image loading was turned off/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("writeReport rejects missing or empty studies", async () => {
  const dir = tempDir();
  try {
    await assert.rejects(writeReport(join(dir, "absent")), (err: unknown) => err instanceof DataError && /does not exist/.test(err.message));
    await assert.rejects(writeReport(dir), (err: unknown) => err instanceof DataError && /results\.sqlite not found/.test(err.message));
    saveStudy(join(dir, "empty"), { ...sampleStudy(), runs: [] });
    await assert.rejects(writeReport(join(dir, "empty")), (err: unknown) => err instanceof DataError && /has no run results yet/.test(err.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
