import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { ConfigError, DataError } from "../../src/errors.js";
import {
  DEBIAN_FASHION_MNIST_DIR,
  FASHION_MNIST_CLASS_NAMES,
  FASHION_MNIST_FILE_NAMES,
  FASHION_MNIST_SHA256,
  type FashionMnistFileName,
  fashionMnistCacheDir,
  loadFashionMnist,
  locateFashionMnist,
} from "../../src/data/fashion-mnist.js";
import { buildImagesIdx, buildLabelsIdx, fixturePixel } from "./fixtures/fashion/idx-fixtures.js";

const TRAIN_COUNT = 6;
const TEST_COUNT = 4;
const TRAIN_LABELS = [0, 1, 2, 7, 8, 9];
const TEST_LABELS = [9, 5, 0, 3];

/** Raw contents of a small fake dataset with 28x28 images. */
const fakeFiles: Record<FashionMnistFileName, Buffer> = {
  "train-images-idx3-ubyte": buildImagesIdx(TRAIN_COUNT, 28, 28),
  "train-labels-idx1-ubyte": buildLabelsIdx(TRAIN_LABELS),
  "t10k-images-idx3-ubyte": buildImagesIdx(TEST_COUNT, 28, 28),
  "t10k-labels-idx1-ubyte": buildLabelsIdx(TEST_LABELS),
};

const fakeChecksums = Object.fromEntries(
  FASHION_MNIST_FILE_NAMES.map((name) => [name, sha256(fakeFiles[name])]),
) as Record<FashionMnistFileName, string>;

let root: string;
let server: Server;
let mirror: string;
const requestedPaths: string[] = [];

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Writes the fake dataset into `dir`, gzipped or raw; `skip` leaves files out. */
async function writeFakeDataset(dir: string, gzip: boolean, skip: FashionMnistFileName[] = []): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const name of FASHION_MNIST_FILE_NAMES) {
    if (skip.includes(name)) continue;
    const path = join(dir, gzip ? `${name}.gz` : name);
    await writeFile(path, gzip ? gzipSync(fakeFiles[name]) : fakeFiles[name]);
  }
}

/** Returns a fresh empty directory under the test root. */
async function freshDir(name: string): Promise<string> {
  const dir = join(root, `${name}-${Math.random().toString(36).slice(2)}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Options that keep lookups inside `home` and away from the machine's real directories. */
function isolated(home: string): { env: NodeJS.ProcessEnv; homeDir: string; systemDir: string } {
  return { env: {}, homeDir: home, systemDir: join(home, "no-system-dir") };
}

/** Returns the smallest and largest value, with a loop because spreading 47 million values into Math.min would overflow the stack. */
function range(values: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (values[i] < min) min = values[i];
    if (values[i] > max) max = values[i];
  }
  return { min, max };
}

async function rejection(promise: Promise<unknown>): Promise<DataError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof DataError, `expected DataError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected a DataError");
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), "trainlab-fashion-"));
  server = createServer((request, response) => {
    requestedPaths.push(request.url ?? "");
    const name = (request.url ?? "").replace(/^\/mirror\//, "").replace(/\.gz$/, "");
    const content = fakeFiles[name as FashionMnistFileName];
    if (content === undefined || !request.url?.startsWith("/mirror/")) {
      response.writeHead(404);
      response.end();
      return;
    }
    const body = gzipSync(content);
    response.writeHead(200, { "content-length": body.length });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  // No trailing slash, to check that the loader adds one.
  mirror = `http://127.0.0.1:${port}/mirror`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(root, { recursive: true, force: true });
});

test("explicit dataDir wins", async () => {
  const home = await freshDir("home");
  const explicit = await freshDir("explicit");
  const fromEnv = await freshDir("env");
  await writeFakeDataset(explicit, true);
  await writeFakeDataset(fromEnv, true);
  await writeFakeDataset(fashionMnistCacheDir({}, home), true);

  const location = await locateFashionMnist({ ...isolated(home), dataDir: explicit, env: { TRAINLAB_DATA_DIR: fromEnv } });
  assert.ok(location !== null);
  assert.equal(location.dir, explicit);
  assert.equal(location.origin, "option");
  assert.equal(location.files["train-images-idx3-ubyte"], join(explicit, "train-images-idx3-ubyte.gz"));
});

test("TRAINLAB_DATA_DIR before caches", async () => {
  const home = await freshDir("home");
  const fromEnv = await freshDir("env");
  await writeFakeDataset(fromEnv, false);
  await writeFakeDataset(fashionMnistCacheDir({}, home), true);

  const location = await locateFashionMnist({ ...isolated(home), env: { TRAINLAB_DATA_DIR: fromEnv } });
  assert.ok(location !== null);
  assert.equal(location.dir, fromEnv);
  assert.equal(location.origin, "env");
  assert.equal(location.files["t10k-labels-idx1-ubyte"], join(fromEnv, "t10k-labels-idx1-ubyte"));
});

test("XDG cache before Keras cache", async () => {
  const home = await freshDir("home");
  const xdg = await freshDir("xdg");
  const env = { XDG_CACHE_HOME: xdg };
  await writeFakeDataset(join(xdg, "trainlab", "datasets", "fashion-mnist"), true);
  await writeFakeDataset(join(home, ".keras", "datasets", "fashion-mnist"), true);

  const location = await locateFashionMnist({ ...isolated(home), env });
  assert.ok(location !== null);
  assert.equal(location.dir, join(xdg, "trainlab", "datasets", "fashion-mnist"));
  assert.equal(location.origin, "user-cache");
});

test("~/.cache without XDG_CACHE_HOME", async () => {
  const home = await freshDir("home");
  await writeFakeDataset(join(home, ".cache", "trainlab", "datasets", "fashion-mnist"), true);

  const location = await locateFashionMnist(isolated(home));
  assert.ok(location !== null);
  assert.equal(location.dir, join(home, ".cache", "trainlab", "datasets", "fashion-mnist"));
});

test("relative XDG_CACHE_HOME ignored", async () => {
  const home = await freshDir("home");
  assert.equal(
    fashionMnistCacheDir({ XDG_CACHE_HOME: "relative/cache" }, home),
    join(home, ".cache", "trainlab", "datasets", "fashion-mnist"),
  );
});

test("Keras cache before system dir", async () => {
  const home = await freshDir("home");
  const system = await freshDir("system");
  await writeFakeDataset(join(home, ".keras", "datasets", "fashion-mnist"), true);
  await writeFakeDataset(system, true);

  const location = await locateFashionMnist({ ...isolated(home), systemDir: system });
  assert.ok(location !== null);
  assert.equal(location.origin, "keras-cache");
});

test("incomplete cache is skipped", async () => {
  const home = await freshDir("home");
  const system = await freshDir("system");
  await writeFakeDataset(fashionMnistCacheDir({}, home), true, ["t10k-labels-idx1-ubyte"]);
  await writeFakeDataset(system, true);

  const location = await locateFashionMnist({ ...isolated(home), systemDir: system });
  assert.ok(location !== null);
  assert.equal(location.dir, system);
  assert.equal(location.origin, "system");
});

test("nothing found returns null", async () => {
  const home = await freshDir("home");
  assert.equal(await locateFashionMnist(isolated(home)), null);
});

test("named missing dir is an error", async () => {
  const home = await freshDir("home");
  // A complete cache must not be used in place of the directory the user named.
  await writeFakeDataset(fashionMnistCacheDir({}, home), true);
  const missing = join(root, "does-not-exist");

  const fromOption = await rejection(locateFashionMnist({ ...isolated(home), dataDir: missing }));
  assert.equal(fromOption.message, `Fashion-MNIST directory ${missing} does not exist`);
  assert.equal(fromOption.path, missing);

  const fromEnv = await rejection(locateFashionMnist({ ...isolated(home), env: { TRAINLAB_DATA_DIR: missing } }));
  assert.equal(fromEnv.message, `Fashion-MNIST directory ${missing} (from TRAINLAB_DATA_DIR) does not exist`);
});

test("named dir lacking files is an error", async () => {
  const home = await freshDir("home");
  const partial = await freshDir("partial");
  await writeFakeDataset(partial, true, ["train-labels-idx1-ubyte", "t10k-images-idx3-ubyte"]);

  const err = await rejection(loadFashionMnist({ ...isolated(home), dataDir: partial, mirror }));
  assert.match(err.message, /is missing train-labels-idx1-ubyte, t10k-images-idx3-ubyte/);
  assert.ok(err.message.includes(partial), err.message);
});

test("named path that is a file", async () => {
  const home = await freshDir("home");
  const file = join(await freshDir("file"), "data.bin");
  await writeFile(file, "x");
  const err = await rejection(locateFashionMnist({ ...isolated(home), dataDir: file }));
  assert.equal(err.message, `Fashion-MNIST directory ${file} is not a directory`);
});

test("loads fake dataset from dir", async () => {
  const home = await freshDir("home");
  const dir = await freshDir("data");
  await writeFakeDataset(dir, false);
  const lines: string[] = [];

  const data = await loadFashionMnist({ ...isolated(home), dataDir: dir, download: false, log: (line) => lines.push(line) });
  assert.equal(data.source, dir);
  assert.equal(data.rows, 28);
  assert.equal(data.cols, 28);
  assert.deepEqual(data.classNames, [...FASHION_MNIST_CLASS_NAMES]);
  assert.ok(data.trainImages instanceof Float32Array);
  assert.equal(data.trainImages.length, TRAIN_COUNT * 784);
  assert.equal(data.testImages.length, TEST_COUNT * 784);
  assert.ok(data.trainLabels instanceof Int32Array);
  assert.deepEqual([...data.trainLabels], TRAIN_LABELS);
  assert.deepEqual([...data.testLabels], TEST_LABELS);
  for (const i of [0, 1, 783, 784, TRAIN_COUNT * 784 - 1]) {
    assert.equal(data.trainImages[i], Math.fround(fixturePixel(i) / 255), `train pixel ${i}`);
  }
  assert.equal(data.testImages[100], Math.fround(fixturePixel(100) / 255));
  assert.deepEqual(lines, [`reading Fashion-MNIST from ${dir}`]);
});

test("custom scale", async () => {
  const home = await freshDir("home");
  const dir = await freshDir("data");
  await writeFakeDataset(dir, true);

  const data = await loadFashionMnist({ ...isolated(home), dataDir: dir, scale: 1 });
  assert.equal(data.trainImages[5], fixturePixel(5));
  await assert.rejects(loadFashionMnist({ ...isolated(home), dataDir: dir, scale: 0 }), ConfigError);
  await assert.rejects(loadFashionMnist({ ...isolated(home), dataDir: dir, scale: Number.NaN }), ConfigError);
});

test("count mismatch names both files", async () => {
  const home = await freshDir("home");
  const dir = await freshDir("data");
  await writeFakeDataset(dir, false, ["t10k-labels-idx1-ubyte"]);
  await writeFile(join(dir, "t10k-labels-idx1-ubyte"), buildLabelsIdx([1, 2, 3]));

  const err = await rejection(loadFashionMnist({ ...isolated(home), dataDir: dir }));
  const images = join(dir, "t10k-images-idx3-ubyte");
  const labels = join(dir, "t10k-labels-idx1-ubyte");
  assert.equal(
    err.message,
    `${images} has ${TEST_COUNT} images but ${labels} has 3 labels (both files must come from the same split)`,
  );
});

test("label out of range rejected", async () => {
  const home = await freshDir("home");
  const dir = await freshDir("data");
  await writeFakeDataset(dir, false, ["train-labels-idx1-ubyte"]);
  await writeFile(join(dir, "train-labels-idx1-ubyte"), buildLabelsIdx([0, 1, 2, 10, 4, 5]));

  const err = await rejection(loadFashionMnist({ ...isolated(home), dataDir: dir }));
  assert.equal(err.message, `${join(dir, "train-labels-idx1-ubyte")}: label 10 at index 3 is outside 0..9`);
});

test("wrong image size rejected", async () => {
  const home = await freshDir("home");
  const dir = await freshDir("data");
  await writeFakeDataset(dir, false, ["t10k-images-idx3-ubyte"]);
  await writeFile(join(dir, "t10k-images-idx3-ubyte"), buildImagesIdx(TEST_COUNT, 32, 32));

  const err = await rejection(loadFashionMnist({ ...isolated(home), dataDir: dir }));
  assert.match(err.message, /t10k-images-idx3-ubyte: images are 32x32, expected 28x28/);
});

test("truncated local file rejected", async () => {
  const home = await freshDir("home");
  const dir = await freshDir("data");
  await writeFakeDataset(dir, true, ["train-images-idx3-ubyte"]);
  const short = fakeFiles["train-images-idx3-ubyte"].subarray(0, 1000);
  await writeFile(join(dir, "train-images-idx3-ubyte.gz"), gzipSync(short));

  const err = await rejection(loadFashionMnist({ ...isolated(home), dataDir: dir }));
  assert.equal(
    err.message,
    `${join(dir, "train-images-idx3-ubyte.gz")}: truncated: expected ${16 + TRAIN_COUNT * 784} bytes after decompression, got 1000`,
  );
});

test("downloads into the user cache", async () => {
  const home = await freshDir("home");
  const xdg = await freshDir("xdg");
  const env = { XDG_CACHE_HOME: xdg, TRAINLAB_FASHION_MNIST_MIRROR: mirror };
  const cache = join(xdg, "trainlab", "datasets", "fashion-mnist");
  const lines: string[] = [];
  requestedPaths.length = 0;

  const data = await loadFashionMnist({ ...isolated(home), env, checksums: fakeChecksums, log: (line) => lines.push(line) });
  assert.equal(data.source, `downloaded to ${cache}`);
  assert.deepEqual([...data.trainLabels], TRAIN_LABELS);
  assert.deepEqual([...data.testLabels], TEST_LABELS);
  assert.equal(data.trainImages[1], Math.fround(fixturePixel(1) / 255));
  assert.deepEqual(requestedPaths.sort(), FASHION_MNIST_FILE_NAMES.map((name) => `/mirror/${name}.gz`).sort());
  assert.deepEqual((await readdir(cache)).sort(), FASHION_MNIST_FILE_NAMES.map((name) => `${name}.gz`).sort());
  assert.equal(lines.filter((line) => line.startsWith("downloading ")).length, 4);

  // The second load reads the cache and sends no requests.
  requestedPaths.length = 0;
  const again = await loadFashionMnist({ ...isolated(home), env, checksums: fakeChecksums });
  assert.equal(again.source, cache);
  assert.deepEqual(requestedPaths, []);
});

test("download fills a partial cache", async () => {
  const home = await freshDir("home");
  const cache = fashionMnistCacheDir({}, home);
  await writeFakeDataset(cache, true, ["t10k-images-idx3-ubyte"]);
  requestedPaths.length = 0;

  const data = await loadFashionMnist({ ...isolated(home), mirror, checksums: fakeChecksums });
  assert.equal(data.source, `downloaded to ${cache}`);
  assert.deepEqual(requestedPaths, ["/mirror/t10k-images-idx3-ubyte.gz"]);
  assert.equal(data.testImages.length, TEST_COUNT * 784);
});

test("download checksum mismatch", async () => {
  const home = await freshDir("home");
  const cache = fashionMnistCacheDir({}, home);

  // The real table does not match the fake files, so the first download fails.
  const err = await rejection(loadFashionMnist({ ...isolated(home), mirror, checksums: FASHION_MNIST_SHA256 }));
  assert.match(err.message, /^http:\/\/127\.0\.0\.1:\d+\/mirror\/train-images-idx3-ubyte\.gz: SHA-256 mismatch/);
  assert.ok(err.message.includes(`expected ${FASHION_MNIST_SHA256["train-images-idx3-ubyte"]}`), err.message);
  assert.ok(err.message.includes(`got ${fakeChecksums["train-images-idx3-ubyte"]}`), err.message);
  assert.ok(err.message.includes("TRAINLAB_FASHION_MNIST_MIRROR"), err.message);
  assert.deepEqual(await readdir(cache), []);
});

test("download 404 from mirror", async () => {
  const home = await freshDir("home");
  const err = await rejection(loadFashionMnist({ ...isolated(home), mirror: `${mirror}/missing/`, checksums: fakeChecksums }));
  assert.match(err.message, /\/mirror\/missing\/train-images-idx3-ubyte\.gz: HTTP 404/);
});

test("download disabled and nothing found", async () => {
  const home = await freshDir("home");
  requestedPaths.length = 0;
  const err = await rejection(loadFashionMnist({ ...isolated(home), mirror, download: false }));
  assert.match(err.message, /^Fashion-MNIST not found in .*, and downloading is disabled\. Set TRAINLAB_DATA_DIR/);
  assert.ok(err.message.includes(join(home, ".keras", "datasets", "fashion-mnist")), err.message);
  assert.deepEqual(requestedPaths, []);
});

test("invalid mirror rejected", async () => {
  const home = await freshDir("home");
  await assert.rejects(loadFashionMnist({ ...isolated(home), mirror: "not a url" }), ConfigError);
  await assert.rejects(
    loadFashionMnist({ ...isolated(home), env: { TRAINLAB_FASHION_MNIST_MIRROR: "file:///tmp/" } }),
    (err: unknown) => err instanceof ConfigError && err.field === "TRAINLAB_FASHION_MNIST_MIRROR",
  );
});

test("real Debian dataset", async (t) => {
  if (!existsSync(DEBIAN_FASHION_MNIST_DIR)) {
    t.skip(`${DEBIAN_FASHION_MNIST_DIR} not found (apt-get install dataset-fashion-mnist)`);
    return;
  }

  const data = await loadFashionMnist({ dataDir: DEBIAN_FASHION_MNIST_DIR, download: false });
  assert.equal(data.source, DEBIAN_FASHION_MNIST_DIR);
  assert.equal(data.trainLabels.length, 60000);
  assert.equal(data.testLabels.length, 10000);
  assert.equal(data.trainImages.length, 60000 * 784);
  assert.equal(data.testImages.length, 10000 * 784);

  for (const labels of [data.trainLabels, data.testLabels]) {
    const { min, max } = range(labels);
    assert.equal(min, 0);
    assert.equal(max, 9);
  }
  // The published training set is balanced at 6000 images per class.
  const classCounts = new Array<number>(10).fill(0);
  for (const label of data.trainLabels) classCounts[label]++;
  assert.deepEqual(classCounts, new Array<number>(10).fill(6000));

  for (const images of [data.trainImages, data.testImages]) {
    const { min, max } = range(images);
    assert.equal(min, 0);
    assert.equal(max, 1);
  }

  for (const name of FASHION_MNIST_FILE_NAMES) {
    const content = gunzipSync(await readFile(join(DEBIAN_FASHION_MNIST_DIR, `${name}.gz`)));
    assert.equal(sha256(content), FASHION_MNIST_SHA256[name], name);
  }
});
