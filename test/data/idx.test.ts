import { test } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { DataError } from "../../src/errors.js";
import { checkSameCount, isGzip, parseIdxImages, parseIdxLabels } from "../../src/data/idx.js";
import { buildImagesIdx, buildLabelsIdx, fixturePixel } from "./fixtures/fashion/idx-fixtures.js";

/** Asserts that `fn` throws a DataError whose message matches every pattern. */
function assertDataError(fn: () => unknown, ...patterns: RegExp[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof DataError, `expected DataError, got ${String(caught)}`);
  for (const pattern of patterns) {
    assert.match(caught.message, pattern);
  }
}

test("images round-trip raw", () => {
  const images = parseIdxImages(buildImagesIdx(3, 4, 5), "images.idx");
  assert.equal(images.count, 3);
  assert.equal(images.rows, 4);
  assert.equal(images.cols, 5);
  assert.equal(images.pixels.length, 60);
  for (let i = 0; i < 60; i++) {
    assert.equal(images.pixels[i], fixturePixel(i), `pixel ${i}`);
  }
});

test("images round-trip gzipped", () => {
  const gz = gzipSync(buildImagesIdx(3, 4, 5));
  assert.equal(isGzip(gz), true);
  const images = parseIdxImages(gz, "images.idx.gz");
  assert.equal(images.count, 3);
  assert.equal(images.rows, 4);
  assert.equal(images.cols, 5);
  assert.deepEqual([...images.pixels], Array.from({ length: 60 }, (_, i) => fixturePixel(i)));
});

test("labels round-trip raw and gzipped", () => {
  const values = [0, 9, 3, 255, 7];
  const raw = parseIdxLabels(buildLabelsIdx(values), "labels.idx");
  assert.equal(raw.count, 5);
  assert.deepEqual([...raw.labels], values);

  const gz = parseIdxLabels(gzipSync(buildLabelsIdx(values)), "labels.idx.gz");
  assert.equal(gz.count, 5);
  assert.deepEqual([...gz.labels], values);
});

test("zero images with header only", () => {
  const images = parseIdxImages(buildImagesIdx(0, 28, 28), "empty.idx");
  assert.equal(images.count, 0);
  assert.equal(images.pixels.length, 0);
});

test("wrong magic number", () => {
  const file = buildImagesIdx(2, 2, 2);
  file.writeUInt32BE(0x12345678, 0);
  assertDataError(() => parseIdxImages(file, "bad.idx"), /^bad\.idx: /, /invalid IDX magic number 0x12345678/, /expected 2051/);
});

test("label file read as images", () => {
  const labels = buildLabelsIdx([1, 2, 3, 4, 5, 6, 7, 8]);
  assertDataError(() => parseIdxImages(labels, "labels.idx"), /magic number 2049 \(IDX unsigned-byte labels\)/, /expected 2051/);
});

test("image file read as labels", () => {
  assertDataError(() => parseIdxLabels(buildImagesIdx(1, 2, 2), "images.idx"), /magic number 2051/, /expected 2049/);
});

test("zero rows rejected", () => {
  assertDataError(() => parseIdxImages(buildImagesIdx(5, 0, 28), "flat.idx"), /flat\.idx: invalid IDX image size 0x28/);
});

test("truncated raw body", () => {
  const file = buildImagesIdx(3, 4, 5).subarray(0, 16 + 59);
  assertDataError(() => parseIdxImages(file, "short.idx"), /^short\.idx: truncated: expected 76 bytes, got 75$/);
});

test("truncated gzipped body", () => {
  // A complete gzip stream around a short IDX body, as from a bad re-encoding.
  const gz = gzipSync(buildLabelsIdx([1, 2, 3]).subarray(0, 10));
  assertDataError(
    () => parseIdxLabels(gz, "labels.gz"),
    /^labels\.gz: truncated: expected 11 bytes after decompression, got 10$/,
  );
});

test("truncated header", () => {
  assertDataError(() => parseIdxImages(buildImagesIdx(1, 1, 1).subarray(0, 10), "tiny.idx"), /tiny\.idx: truncated/, /16 header bytes/);
});

test("cut-off gzip stream", () => {
  const gz = gzipSync(buildImagesIdx(10, 28, 28));
  const cut = gz.subarray(0, Math.floor(gz.length / 2));
  assertDataError(() => parseIdxImages(cut, "cut.gz"), /^cut\.gz: invalid gzip data: /);
});

test("corrupted gzip data", () => {
  const gz = gzipSync(buildImagesIdx(10, 28, 28));
  // Flipping bytes in the middle of the deflate stream breaks either the
  // stream itself or the CRC-32 in the trailer.
  for (let i = 20; i < 40; i++) gz[i] ^= 0xff;
  assertDataError(() => parseIdxImages(gz, "corrupt.gz"), /^corrupt\.gz: invalid gzip data: /);
});

test("extra bytes after body", () => {
  const file = Buffer.concat([buildImagesIdx(2, 3, 3), Buffer.from([0, 0, 0])]);
  assertDataError(() => parseIdxImages(file, "long.idx"), /^long\.idx: extra bytes: expected 34 bytes, got 37$/);
});

test("extra bytes in labels", () => {
  const file = Buffer.concat([buildLabelsIdx([1, 2]), Buffer.from([9])]);
  assertDataError(() => parseIdxLabels(gzipSync(file), "labels.gz"), /extra bytes: expected 10 bytes after decompression, got 11/);
});

test("count mismatch between images and labels", () => {
  const images = parseIdxImages(buildImagesIdx(3, 2, 2), "train-images");
  const labels = parseIdxLabels(buildLabelsIdx([1, 2]), "train-labels");
  assertDataError(
    () => checkSameCount(images, labels, "train-images", "train-labels"),
    /train-images has 3 images but train-labels has 2 labels/,
  );
  const matching = parseIdxLabels(buildLabelsIdx([1, 2, 3]), "train-labels");
  assert.doesNotThrow(() => checkSameCount(images, matching, "train-images", "train-labels"));
});

test("error carries the path", () => {
  try {
    parseIdxLabels(Buffer.alloc(3), "/data/x.idx");
    assert.fail("expected a DataError");
  } catch (err) {
    assert.ok(err instanceof DataError);
    assert.equal(err.path, "/data/x.idx");
  }
});
