/**
 * Tests for parsing, locating and downloading the California housing data,
 * and for the tar reader that extracts it from scikit-learn's archive.
 * Downloads go to a local HTTP server on 127.0.0.1 only.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";

import {
  ARCHIVE_SHA256,
  DATA_SHA256,
  FEATURE_NAMES,
  ROW_COUNT,
  SHIPPED_DATA_URL,
  downloadCaliforniaHousing,
  loadCaliforniaHousing,
  parseCaliforniaHousing,
  type CaliforniaHousing,
} from "../../src/data/california-housing.js";
import { readTarEntries, readTarEntry } from "../../src/data/tar.js";
import { DataError } from "../../src/errors.js";

// This file runs compiled from dist/test/data/, three levels below the repository root.
const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const FIXTURES = join(REPO_ROOT, "test", "data", "fixtures", "housing");

const FIRST_ROW = [8.3252, 41, 6.98413, 1.02381, 322, 2.55556, 37.88, -122.23];
const FIRST_TARGET = 4.526;
// The expected first row is rounded to 6 significant digits.
const RELATIVE_TOLERANCE = 1e-5;

const GOOD_LINE = "-122.23,37.88,41,880,129,322,126,8.3252,452600";

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function assertClose(actual: number, expected: number, label: string): void {
  const error = Math.abs(actual - expected) / Math.abs(expected);
  assert.ok(error <= RELATIVE_TOLERANCE, `${label}: ${actual} is not within 1e-5 of ${expected}`);
}

const tempDirs: string[] = [];

async function makeTempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "trainlab-housing-"));
  tempDirs.push(dir);
  return dir;
}

/** Loads with an empty environment and home, so the host's scikit-learn data cannot interfere. */
async function isolatedOptions(): Promise<{ env: Record<string, string>; homeDir: string }> {
  return { env: {}, homeDir: await makeTempDir() };
}

describe("parseCaliforniaHousing", () => {
  it("parses five-row fixture", async () => {
    const text = await readFile(join(FIXTURES, "five-rows.data"), "utf8");
    const data = parseCaliforniaHousing(text, "five-rows.data");

    assert.equal(data.count, 5);
    assert.equal(data.features.length, 5 * 8);
    assert.equal(data.targets.length, 5);
    assert.deepEqual(data.featureNames, [...FEATURE_NAMES]);
    assert.equal(data.targetName, "MedHouseVal");
    FIRST_ROW.forEach((expected, c) => assertClose(data.features[c]!, expected, FEATURE_NAMES[c]!));
    assertClose(data.targets[0]!, FIRST_TARGET, "target");
    // Row 2: 7099 rooms / 1138 households, computed in float64 then rounded once.
    assert.equal(data.features[8 + 2], Math.fround(7099 / 1138));
  });

  it("accepts CRLF and skips blank lines", () => {
    const data = parseCaliforniaHousing(`${GOOD_LINE}\r\n\r\n${GOOD_LINE}\r\n`, "crlf.data");
    assert.equal(data.count, 2);
    assertClose(data.features[8]!, FIRST_ROW[0]!, "MedInc of row 2");
  });

  const malformed: { name: string; line: string; column: string; message: RegExp }[] = [
    { name: "too few columns", line: "-122.23,37.88,41,880,129,322,126,8.3252", column: "medianHouseValue", message: /found 8/ },
    { name: "too many columns", line: `${GOOD_LINE},1`, column: "medianHouseValue", message: /found 10/ },
    { name: "non-numeric value", line: "-122.23,37.88,abc,880,129,322,126,8.3252,452600", column: "housingMedianAge", message: /"abc" is not a number/ },
    { name: "empty field", line: "-122.23,,41,880,129,322,126,8.3252,452600", column: "latitude", message: /"" is not a number/ },
    { name: "hexadecimal value", line: "-122.23,37.88,41,0x10,129,322,126,8.3252,452600", column: "totalRooms", message: /"0x10" is not a number/ },
    { name: "NaN", line: "-122.23,37.88,41,nan,129,322,126,8.3252,452600", column: "totalRooms", message: /"nan" is not a finite number/ },
    { name: "infinity", line: "-122.23,37.88,41,880,129,-Infinity,126,8.3252,452600", column: "population", message: /"-Infinity" is not a finite number/ },
    { name: "overflow to infinity", line: "-122.23,37.88,41,880,129,322,126,1e999,452600", column: "medianIncome", message: /"1e999" is not a finite number/ },
    { name: "zero households", line: "-122.23,37.88,41,880,129,322,0,8.3252,452600", column: "households", message: /0 is not a positive count/ },
    { name: "negative households", line: "-122.23,37.88,41,880,129,322,-3,8.3252,452600", column: "households", message: /-3 is not a positive count/ },
    { name: "float32 overflow", line: "-122.23,37.88,41,1e39,129,322,1,8.3252,452600", column: "totalRooms", message: /outside the float32 range/ },
  ];

  for (const testCase of malformed) {
    it(`rejects ${testCase.name}`, () => {
      // The bad line is line 3, after a good line and a blank line, so the
      // number counts physical lines.
      const text = `${GOOD_LINE}\n\n${testCase.line}\n${GOOD_LINE}\n`;
      let result: CaliforniaHousing | undefined;
      assert.throws(
        () => {
          result = parseCaliforniaHousing(text, "bad.data");
        },
        (err: unknown) => {
          assert.ok(err instanceof DataError, `expected a DataError, got ${String(err)}`);
          assert.match(err.message, /^bad\.data:3: /);
          assert.ok(err.message.includes(testCase.column), `message does not name ${testCase.column}: ${err.message}`);
          assert.match(err.message, testCase.message);
          assert.doesNotMatch(err.message, /\n/);
          assert.equal(err.path, "bad.data");
          return true;
        },
      );
      assert.equal(result, undefined);
    });
  }

  for (const [name, text] of [
    ["empty file", ""],
    ["blank lines only", "\n  \r\n\n"],
  ]) {
    it(`rejects ${name}`, () => {
      let result: CaliforniaHousing | undefined;
      assert.throws(
        () => {
          result = parseCaliforniaHousing(text!, "empty.data");
        },
        (err: unknown) => {
          assert.ok(err instanceof DataError);
          assert.match(err.message, /^empty\.data contains no data rows/);
          return true;
        },
      );
      assert.equal(result, undefined);
    });
  }
});

describe("shipped copy", () => {
  it("resolves to data/ from compiled module", () => {
    assert.match(import.meta.url, /\/dist\/test\/data\/california-housing\.test\.js$/);
    assert.equal(fileURLToPath(SHIPPED_DATA_URL), join(REPO_ROOT, "data", "cal_housing.data.gz"));
  });

  it("decompresses to the reference SHA-256", async () => {
    const bytes = gunzipSync(await readFile(SHIPPED_DATA_URL));
    assert.equal(sha256(bytes), DATA_SHA256);
  });

  it("rejects corrupt shipped copy", async () => {
    // A copy of the compiled modules under a temporary package root, whose
    // data/ contains a file that is not the reference file.
    const packageRoot = await makeTempDir();
    await cp(join(REPO_ROOT, "dist", "src"), join(packageRoot, "dist", "src"), { recursive: true });
    await mkdir(join(packageRoot, "data"));
    await writeFile(join(packageRoot, "data", "cal_housing.data.gz"), gzipSync(`${GOOD_LINE}\n`));
    const copy = (await import(
      pathToFileURL(join(packageRoot, "dist", "src", "data", "california-housing.js")).href
    )) as typeof import("../../src/data/california-housing.js");

    await assert.rejects(copy.loadCaliforniaHousing(await isolatedOptions()), (err: unknown) => {
      // The copy has its own errors.js, so its DataError is a different class.
      assert.ok(err instanceof Error);
      assert.equal(err.name, "DataError");
      assert.ok(err.message.startsWith(`shipped copy ${join(packageRoot, "data", "cal_housing.data.gz")} `), err.message);
      assert.match(err.message, / is corrupt \(SHA-256 [0-9a-f]{64}, expected d3d8a1a7/);
      return true;
    });
  });

  it("loads 20640 rows with the scikit-learn first row", async () => {
    const data = await loadCaliforniaHousing(await isolatedOptions());

    assert.equal(data.source.kind, "shipped");
    assert.equal(data.source.path, fileURLToPath(SHIPPED_DATA_URL));
    assert.equal(data.source.sha256, DATA_SHA256);
    assert.equal(data.count, ROW_COUNT);
    assert.equal(data.count, 20640);
    assert.equal(data.features.length, 20640 * 8);
    FIRST_ROW.forEach((expected, c) => assertClose(data.features[c]!, expected, FEATURE_NAMES[c]!));
    assertClose(data.targets[0]!, FIRST_TARGET, "target");
  });
});

describe("loadCaliforniaHousing lookup", () => {
  let fiveRows: Buffer;
  before(async () => {
    fiveRows = await readFile(join(FIXTURES, "five-rows.data"));
  });

  it("reads cal_housing.data from dataDir", async () => {
    const dataDir = await makeTempDir();
    await writeFile(join(dataDir, "cal_housing.data"), fiveRows);
    const lines: string[] = [];
    const data = await loadCaliforniaHousing({ ...(await isolatedOptions()), dataDir, log: (line) => lines.push(line) });

    assert.equal(data.count, 5);
    assert.equal(data.source.kind, "data-dir");
    assert.equal(data.source.path, join(dataDir, "cal_housing.data"));
    assert.ok(lines.some((line) => line.includes("differs from the reference file")), lines.join("\n"));
  });

  it("reads cal_housing.data.gz from dataDir", async () => {
    const dataDir = await makeTempDir();
    await writeFile(join(dataDir, "cal_housing.data.gz"), gzipSync(fiveRows));
    const data = await loadCaliforniaHousing({ ...(await isolatedOptions()), dataDir });

    assert.equal(data.count, 5);
    assert.equal(data.source.path, join(dataDir, "cal_housing.data.gz"));
  });

  it("prefers uncompressed file in dataDir", async () => {
    const dataDir = await makeTempDir();
    await writeFile(join(dataDir, "cal_housing.data"), fiveRows);
    await writeFile(join(dataDir, "cal_housing.data.gz"), gzipSync(`${GOOD_LINE}\n`));
    const data = await loadCaliforniaHousing({ ...(await isolatedOptions()), dataDir });

    assert.equal(data.count, 5);
  });

  it("rejects missing dataDir without fall-through", async () => {
    const dataDir = join(await makeTempDir(), "absent");
    await assert.rejects(loadCaliforniaHousing({ ...(await isolatedOptions()), dataDir }), (err: unknown) => {
      assert.ok(err instanceof DataError);
      assert.equal(err.message, `data directory not found: ${dataDir}`);
      return true;
    });
  });

  it("rejects dataDir without data file", async () => {
    const dataDir = await makeTempDir();
    await assert.rejects(loadCaliforniaHousing({ ...(await isolatedOptions()), dataDir }), /contains neither cal_housing\.data nor cal_housing\.data\.gz/);
  });

  it("rejects dataDir that is a file", async () => {
    const dataDir = join(await makeTempDir(), "cal_housing.data");
    await writeFile(dataDir, fiveRows);
    await assert.rejects(loadCaliforniaHousing({ ...(await isolatedOptions()), dataDir }), /is not a directory/);
  });

  it("reports malformed file with its path", async () => {
    const dataDir = await makeTempDir();
    const path = join(dataDir, "cal_housing.data");
    await writeFile(path, `${GOOD_LINE}\n-122.23,37.88,41\n`);
    await assert.rejects(loadCaliforniaHousing({ ...(await isolatedOptions()), dataDir }), (err: unknown) => {
      assert.ok(err instanceof DataError);
      assert.ok(err.message.startsWith(`${path}:2: `), err.message);
      assert.match(err.message, /found 3 \(missing totalRooms, /);
      return true;
    });
  });

  it("rejects corrupt gzip in dataDir", async () => {
    const dataDir = await makeTempDir();
    await writeFile(join(dataDir, "cal_housing.data.gz"), "not gzip");
    await assert.rejects(loadCaliforniaHousing({ ...(await isolatedOptions()), dataDir }), /failed to decompress/);
  });

  it("reads extracted file under SCIKIT_LEARN_DATA", async () => {
    const dataHome = await makeTempDir();
    await mkdir(join(dataHome, "CaliforniaHousing"));
    await writeFile(join(dataHome, "CaliforniaHousing", "cal_housing.data"), fiveRows);
    const data = await loadCaliforniaHousing({ env: { SCIKIT_LEARN_DATA: dataHome }, homeDir: await makeTempDir() });

    assert.equal(data.count, 5);
    assert.equal(data.source.kind, "scikit-learn-data-home");
    assert.equal(data.source.path, join(dataHome, "CaliforniaHousing", "cal_housing.data"));
  });

  it("reads ~/scikit_learn_data by default", async () => {
    const homeDir = await makeTempDir();
    await mkdir(join(homeDir, "scikit_learn_data", "CaliforniaHousing"), { recursive: true });
    await writeFile(join(homeDir, "scikit_learn_data", "CaliforniaHousing", "cal_housing.data"), fiveRows);
    const data = await loadCaliforniaHousing({ env: {}, homeDir });

    assert.equal(data.count, 5);
    assert.equal(data.source.kind, "scikit-learn-data-home");
  });

  it("expands ~ in SCIKIT_LEARN_DATA", async () => {
    const homeDir = await makeTempDir();
    await mkdir(join(homeDir, "sk", "CaliforniaHousing"), { recursive: true });
    await writeFile(join(homeDir, "sk", "CaliforniaHousing", "cal_housing.data"), fiveRows);
    const data = await loadCaliforniaHousing({ env: { SCIKIT_LEARN_DATA: "~/sk" }, homeDir });

    assert.equal(data.count, 5);
  });

  it("prefers dataDir over data home", async () => {
    const dataHome = await makeTempDir();
    await mkdir(join(dataHome, "CaliforniaHousing"));
    await writeFile(join(dataHome, "CaliforniaHousing", "cal_housing.data"), fiveRows);
    const dataDir = await makeTempDir();
    await writeFile(join(dataDir, "cal_housing.data"), `${GOOD_LINE}\n`);
    const data = await loadCaliforniaHousing({ env: { SCIKIT_LEARN_DATA: dataHome }, homeDir: dataHome, dataDir });

    assert.equal(data.count, 1);
    assert.equal(data.source.kind, "data-dir");
  });

  it("skips scikit-learn pickle and logs it", async () => {
    const dataHome = await makeTempDir();
    await writeFile(join(dataHome, "cal_housing_py3.pkz"), "joblib");
    const lines: string[] = [];
    const data = await loadCaliforniaHousing({
      env: { SCIKIT_LEARN_DATA: dataHome },
      homeDir: dataHome,
      log: (line) => lines.push(line),
    });

    assert.equal(data.source.kind, "shipped");
    assert.ok(lines.some((line) => line.includes("joblib pickle")), lines.join("\n"));
  });

  it("skips archive with wrong checksum", async () => {
    const dataHome = await makeTempDir();
    await writeFile(join(dataHome, "cal_housing.tgz"), await readFile(join(FIXTURES, "five-rows-ustar.tgz")));
    const lines: string[] = [];
    const data = await loadCaliforniaHousing({
      env: { SCIKIT_LEARN_DATA: dataHome },
      homeDir: dataHome,
      log: (line) => lines.push(line),
    });

    assert.equal(data.source.kind, "shipped");
    assert.ok(lines.some((line) => line.includes(`expected ${ARCHIVE_SHA256}`)), lines.join("\n"));
  });
});

describe("tar reader", () => {
  async function fixtureTar(name: string): Promise<Buffer> {
    return gunzipSync(await readFile(join(FIXTURES, name)));
  }

  it("lists ustar members", async () => {
    const entries = [...readTarEntries(await fixtureTar("five-rows-ustar.tgz"), "five-rows-ustar.tgz")];
    const listing = entries.map((entry) => [entry.name, entry.type, entry.data.length]);
    assert.deepEqual(listing, [
      ["CaliforniaHousing/", "5", 0],
      ["CaliforniaHousing/cal_housing.data", "0", 507],
      ["CaliforniaHousing/cal_housing.domain", "0", 23],
    ]);
  });

  it("extracts entry bytes exactly", async () => {
    const data = readTarEntry(await fixtureTar("five-rows-ustar.tgz"), "CaliforniaHousing/cal_housing.data", "x.tgz");
    assert.deepEqual(Buffer.from(data), await readFile(join(FIXTURES, "five-rows.data")));
  });

  const longNames: [string, string][] = [
    ["long-path-ustar.tgz", `${"d".repeat(60)}/${"e".repeat(60)}/cal_housing.data`],
    ["long-name-gnu.tgz", `CaliforniaHousing/${"f".repeat(110)}.data`],
    ["long-name-pax.tgz", `CaliforniaHousing/${"f".repeat(110)}.data`],
  ];
  for (const [fixture, name] of longNames) {
    it(`reads long name in ${fixture}`, async () => {
      const entries = [...readTarEntries(await fixtureTar(fixture), fixture)];
      assert.deepEqual(
        entries.map((entry) => entry.name),
        [name],
      );
      assert.equal(entries[0]!.data.length, 507);
    });
  }

  it("rejects missing entry", async () => {
    assert.throws(
      () => readTarEntry(Buffer.alloc(1024), "CaliforniaHousing/cal_housing.data", "empty.tar"),
      /empty\.tar does not contain CaliforniaHousing\/cal_housing\.data/,
    );
  });

  it("rejects corrupted header", async () => {
    const tar = await fixtureTar("five-rows-ustar.tgz");
    tar[10] ^= 0x01;
    assert.throws(() => [...readTarEntries(tar, "bad.tar")], /bad\.tar is not a valid tar archive: header checksum mismatch at byte 0/);
  });

  it("rejects truncated member", async () => {
    const tar = await fixtureTar("five-rows-ustar.tgz");
    // The directory header (512 bytes), then the data file's header and 100 of its 507 bytes.
    const truncated = tar.subarray(0, 512 + 512 + 100);
    assert.throws(() => [...readTarEntries(truncated, "cut.tar")], /cut\.tar is truncated/);
  });
});

describe("downloadCaliforniaHousing", () => {
  let server: Server;
  let baseUrl: string;
  let archive: Buffer;
  let archiveWithoutData: Buffer;

  before(async () => {
    archive = await readFile(join(FIXTURES, "five-rows-ustar.tgz"));
    archiveWithoutData = await readFile(join(FIXTURES, "long-name-gnu.tgz"));
    const routes = new Map([
      ["/cal_housing.tgz", archive],
      ["/other.tgz", archiveWithoutData],
    ]);
    server = createServer((request, response) => {
      const body = routes.get(request.url ?? "");
      if (body === undefined) {
        response.writeHead(404).end("not found");
        return;
      }
      response.writeHead(200, { "content-length": body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("extracts verified archive into dataDir", async () => {
    const dataDir = join(await makeTempDir(), "housing");
    const result = await downloadCaliforniaHousing({
      dataDir,
      url: `${baseUrl}/cal_housing.tgz`,
      archiveSha256: sha256(archive),
    });

    const fiveRows = await readFile(join(FIXTURES, "five-rows.data"));
    assert.equal(result.path, join(dataDir, "cal_housing.data"));
    assert.equal(result.sha256, sha256(fiveRows));
    assert.deepEqual(await readFile(result.path), fiveRows);
    assert.deepEqual(await readdir(dataDir), ["cal_housing.data"]);

    const data = await loadCaliforniaHousing({ ...(await isolatedOptions()), dataDir });
    assert.equal(data.count, 5);
  });

  it("rejects archive with wrong checksum", async () => {
    const dataDir = await makeTempDir();
    await assert.rejects(
      downloadCaliforniaHousing({ dataDir, url: `${baseUrl}/cal_housing.tgz` }),
      (err: unknown) => {
        assert.ok(err instanceof DataError);
        assert.match(err.message, /SHA-256 mismatch/);
        assert.ok(err.message.includes(ARCHIVE_SHA256), err.message);
        return true;
      },
    );
    assert.deepEqual(await readdir(dataDir), []);
  });

  it("rejects HTTP 404", async () => {
    const dataDir = await makeTempDir();
    await assert.rejects(
      downloadCaliforniaHousing({ dataDir, url: `${baseUrl}/missing.tgz`, archiveSha256: sha256(archive) }),
      (err: unknown) => {
        assert.ok(err instanceof DataError);
        assert.match(err.message, /HTTP 404/);
        return true;
      },
    );
    assert.deepEqual(await readdir(dataDir), []);
  });

  it("rejects archive without data file", async () => {
    const dataDir = await makeTempDir();
    await assert.rejects(
      downloadCaliforniaHousing({
        dataDir,
        url: `${baseUrl}/other.tgz`,
        archiveSha256: sha256(archiveWithoutData),
      }),
      /does not contain CaliforniaHousing\/cal_housing\.data/,
    );
    assert.deepEqual(await readdir(dataDir), []);
  });

  it("keeps earlier file after failure", async () => {
    const dataDir = await makeTempDir();
    const path = join(dataDir, "cal_housing.data");
    await writeFile(path, `${GOOD_LINE}\n`);
    await assert.rejects(downloadCaliforniaHousing({ dataDir, url: `${baseUrl}/missing.tgz`, archiveSha256: sha256(archive) }));

    assert.equal(await readFile(path, "utf8"), `${GOOD_LINE}\n`);
    assert.deepEqual(await readdir(dataDir), ["cal_housing.data"]);
  });
});

after(async () => {
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});
