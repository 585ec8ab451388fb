import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import { showDataCommand } from "../../src/cli/show-data-command.js";
import type { Logger } from "../../src/cli/logger.js";
import { FASHION_MNIST_CLASS_NAMES } from "../../src/data/fashion-mnist.js";
import { ConfigError } from "../../src/errors.js";
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph, textWidth } from "../../src/report/font.js";
import { gridLayout, renderGridHtml, renderGridPng, selectGridIndices, type LabeledImages } from "../../src/report/image-grid.js";
import { fixturePixel } from "../data/fixtures/fashion/idx-fixtures.js";
import { fixtureLabels, writeFashionFixture } from "./fixtures.js";

/** 30 images of 28x28 whose pixels follow fixturePixel, as the IDX fixture stores them. */
function fixtureImages(count = 30): LabeledImages {
  const images = new Float32Array(count * 784);
  for (let i = 0; i < images.length; i++) images[i] = fixturePixel(i) / 255;
  return { images, labels: fixtureLabels(count), rows: 28, cols: 28, classNames: FASHION_MNIST_CLASS_NAMES };
}

function captureLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (l) => lines.push(l), warn: (l) => lines.push(l), error: (l) => lines.push(l), progress: () => {}, interactive: false };
}

/** Gray level at (x, y) of a PNG decoded by pngjs, which expands it to RGBA. */
function grayAt(png: PNG, x: number, y: number): number {
  const offset = (y * png.width + x) * 4;
  assert.equal(png.data[offset], png.data[offset + 1]);
  assert.equal(png.data[offset], png.data[offset + 2]);
  return png.data[offset]!;
}

test("font glyphs are 5 columns wide", () => {
  for (const char of "AZaz09gjpqy -/.,:()_'=+") {
    const rows = glyph(char);
    assert.equal(rows.length, GLYPH_HEIGHT, char);
    for (const row of rows) assert.equal(row.length, GLYPH_WIDTH, char);
  }
  assert.ok(glyph("T")[0]!.every(Boolean), "T has a full top bar");
  assert.ok(glyph("€").flat().some(Boolean), "unknown characters draw a box");
  assert.equal(textWidth("Ankle boot"), 59);
  assert.equal(textWidth(""), 0);
});

test("selectGridIndices first and seeded", () => {
  assert.deepEqual(selectGridIndices(60000), Array.from({ length: 25 }, (_, i) => i));
  const a = selectGridIndices(60000, 25, 7);
  assert.deepEqual(selectGridIndices(60000, 25, 7), a);
  assert.notDeepEqual(selectGridIndices(60000, 25, 8), a);
  assert.equal(new Set(a).size, 25);
  assert.ok(a.every((i) => Number.isInteger(i) && i >= 0 && i < 60000));
  assert.deepEqual([...selectGridIndices(25, 25, 3)].sort((x, y) => x - y), Array.from({ length: 25 }, (_, i) => i));
  assert.throws(() => selectGridIndices(24), RangeError);
});

test("grid PNG has images at known positions", () => {
  const data = fixtureImages();
  const indices = Array.from({ length: 25 }, (_, i) => i + 5);
  const png = PNG.sync.read(renderGridPng(data, indices, 3));
  const layout = gridLayout(28, 3);
  assert.equal(png.width, layout.width);
  assert.equal(png.height, layout.height);
  assert.equal(png.width, 6 + 5 * 84 + 4 * 6 + 6);
  assert.equal(png.height, 6 + 5 * (84 + 14) + 4 * 6 + 6);
  for (const cell of [0, 7, 24]) {
    const { x, y } = layout.imageOrigin(cell);
    const image = indices[cell]!;
    for (const [r, c] of [[0, 0], [13, 21], [27, 27], [5, 0]]) {
      const expected = fixturePixel(image * 784 + r! * 28 + c!);
      for (const [dx, dy] of [[0, 0], [2, 2], [1, 2]]) {
        assert.equal(grayAt(png, x + c! * 3 + dx!, y + r! * 3 + dy!), expected, `cell ${cell} pixel (${r}, ${c})`);
      }
    }
  }
});

test("grid PNG draws labels below images", () => {
  const data = fixtureImages();
  const indices = Array.from({ length: 25 }, (_, i) => i);
  const png = PNG.sync.read(renderGridPng(data, indices, 3));
  const layout = gridLayout(28, 3);
  const { x, y } = layout.imageOrigin(0);
  let ink = 0;
  let paper = 0;
  for (let dy = 0; dy < 14; dy++) {
    for (let dx = 0; dx < 84; dx++) {
      const level = grayAt(png, x + dx, y + 84 + dy);
      if (level === 0) ink++;
      else if (level === 255) paper++;
    }
  }
  assert.ok(ink > 20, `label ink pixels: ${ink}`);
  assert.equal(ink + paper, 14 * 84, "label area is black text on white");
});

test("grid rejects bad indices and scale", () => {
  const data = fixtureImages();
  assert.throws(() => renderGridPng(data, [1, 2, 3]), /25 image indices/);
  assert.throws(() => renderGridPng(data, Array.from({ length: 25 }, (_, i) => i + 10)), /outside 0\.\.29/);
  assert.throws(() => renderGridPng(data, Array.from({ length: 25 }, (_, i) => i), 0), /scale/);
});

test("grid HTML escapes and embeds PNGs", () => {
  const data = { ...fixtureImages(), classNames: ["<b>x</b>", ...FASHION_MNIST_CLASS_NAMES.slice(1)] };
  const html = renderGridHtml(data, Array.from({ length: 25 }, (_, i) => i));
  assert.equal(html.match(/<img src="data:image\/png;base64,/g)?.length, 25);
  assert.ok(!html.includes("<b>x</b>"));
  assert.match(html, /alt="&lt;b&gt;x&lt;\/b&gt;"/);
  const first = /src="data:image\/png;base64,([^"]+)"/.exec(html)![1]!;
  const png = PNG.sync.read(Buffer.from(first, "base64"));
  assert.equal(png.width, 28);
  assert.equal(grayAt(png, 3, 2), fixturePixel(2 * 28 + 3));
});

test("show-data writes PNG and prints labels", async () => {
  const dir = mkdtempSync(join(tmpdir(), "trainlab-show-data-"));
  try {
    writeFashionFixture(join(dir, "data"));
    const out = join(dir, "out", "grid.png");
    const logger = captureLogger();
    const code = await showDataCommand(["fashion-mnist", "--out", out, "--data-dir", join(dir, "data"), "--scale", "2"], logger);
    assert.equal(code, 0);
    const png = PNG.sync.read(readFileSync(out));
    const layout = gridLayout(28, 2);
    assert.equal(png.width, layout.width);
    assert.equal(png.height, layout.height);
    const { x, y } = layout.imageOrigin(6);
    assert.equal(grayAt(png, x + 2 * 10 + 1, y + 2 * 4), fixturePixel(6 * 784 + 4 * 28 + 10));
    const labels = fixtureLabels(30).map((label) => FASHION_MNIST_CLASS_NAMES[label]!);
    const row2 = logger.lines.find((line) => line.startsWith("row 2: "));
    assert.equal(row2, `row 2: ${[5, 6, 7, 8, 9].map((i) => `${labels[i]} (#${i})`).join(", ")}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("show-data seeds sample and checks arguments", async () => {
  const dir = mkdtempSync(join(tmpdir(), "trainlab-show-data-"));
  try {
    writeFashionFixture(join(dir, "data"));
    const out = join(dir, "grid.png");
    const args = ["fashion-mnist", "--out", out, "--data-dir", join(dir, "data")];
    const logger = captureLogger();
    assert.equal(await showDataCommand([...args, "--seed", "11"], logger), 0);
    const expected = selectGridIndices(30, 25, 11);
    assert.ok(logger.lines.some((line) => line.includes(`(#${expected[0]})`)));
    await assert.rejects(showDataCommand(["california-housing", "--out", out], captureLogger()), ConfigError);
    await assert.rejects(showDataCommand(["fashion-mnist"], captureLogger()), /--out/);
    await assert.rejects(showDataCommand([...args, "--scale", "40"], captureLogger()), /--scale/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
