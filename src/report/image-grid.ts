/**
 * A 5x5 grid of Fashion-MNIST training images with their class names. The
 * PNG file version draws the labels in a built-in bitmap font. The HTML
 * version for the report has one inline PNG per image and the class names
 * as text.
 */
import { Rng } from "../engine/rng.js";
import { escapeHtml } from "./escape.js";
import { textWidth, GLYPH_HEIGHT } from "./font.js";
import { GrayImage } from "./png.js";

/** Images per row and per column. */
export const GRID_SIZE = 5;

/** Labeled images, laid out like FashionMnist's training split. */
export interface LabeledImages {
  /** count * rows * cols values in [0, 1], one image after another, each row-major. */
  images: ArrayLike<number>;
  labels: ArrayLike<number>;
  rows: number;
  cols: number;
  classNames: readonly string[];
}

/** Pixel geometry of the grid PNG. */
export interface GridLayout {
  width: number;
  height: number;
  /** Side of one upscaled image, pixels. */
  imageSize: number;
  /** Top-left corner of the image in cell `index` (row-major). */
  imageOrigin(index: number): { x: number; y: number };
}

const MARGIN = 6;
const GAP = 6;
/** Space below each image: padding, the 9-pixel font, padding. */
const LABEL_HEIGHT = 3 + GLYPH_HEIGHT + 2;

/**
 * Returns `count` distinct image indices: the first `count` without a seed,
 * otherwise a uniform sample without replacement drawn with the seeded Rng
 * (a partial Fisher-Yates shuffle), so one seed always picks the same images.
 */
export function selectGridIndices(total: number, count = GRID_SIZE * GRID_SIZE, seed?: number): number[] {
  if (total < count) throw new RangeError(`the image grid needs ${count} images, but the data set has ${total}`);
  if (seed === undefined) return Array.from({ length: count }, (_, i) => i);
  const rng = new Rng(seed);
  const order = new Int32Array(total);
  for (let i = 0; i < total; i++) order[i] = i;
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(total - i);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return Array.from(order.subarray(0, count));
}

/** Computes the grid PNG's size and image positions for images of `side` pixels upscaled by `scale`. */
export function gridLayout(side: number, scale: number): GridLayout {
  const imageSize = side * scale;
  const cellHeight = imageSize + LABEL_HEIGHT;
  return {
    width: 2 * MARGIN + GRID_SIZE * imageSize + (GRID_SIZE - 1) * GAP,
    height: 2 * MARGIN + GRID_SIZE * cellHeight + (GRID_SIZE - 1) * GAP,
    imageSize,
    imageOrigin(index) {
      const row = Math.floor(index / GRID_SIZE);
      const col = index % GRID_SIZE;
      return { x: MARGIN + col * (imageSize + GAP), y: MARGIN + row * (cellHeight + GAP) };
    },
  };
}

/**
 * Draws the images at `indices` row by row on a white background, each
 * upscaled `scale` times (nearest neighbor) with its class name centered
 * below in black, and returns the PNG file contents. Names wider than the
 * image are cut at a character boundary.
 */
export function renderGridPng(data: LabeledImages, indices: readonly number[], scale = 3): Buffer {
  checkIndices(data, indices);
  if (!Number.isInteger(scale) || scale < 1 || scale > 16) throw new RangeError(`scale must be an integer from 1 to 16, got ${scale}`);
  if (data.rows !== data.cols) throw new RangeError(`the image grid needs square images, got ${data.rows}x${data.cols}`);
  const layout = gridLayout(data.rows, scale);
  const canvas = new GrayImage(layout.width, layout.height, 255);
  indices.forEach((imageIndex, cell) => {
    const { x, y } = layout.imageOrigin(cell);
    canvas.drawScaled(data.images, imageIndex * data.rows * data.cols, data.rows, data.cols, x, y, scale);
    const name = className(data, imageIndex);
    const left = x + Math.max(0, Math.floor((layout.imageSize - textWidth(name)) / 2));
    canvas.drawText(name, left, y + layout.imageSize + 3, 0, x + layout.imageSize);
  });
  return canvas.toPng();
}

/** Returns the class names of the images at `indices`, in grid order. */
export function gridLabels(data: LabeledImages, indices: readonly number[]): string[] {
  return indices.map((index) => className(data, index));
}

/**
 * Renders the grid as an HTML figure: each image an inline PNG data URL at
 * its native size, scaled up by CSS without smoothing, with its class name
 * as the caption and the image's alt text.
 */
export function renderGridHtml(data: LabeledImages, indices: readonly number[]): string {
  checkIndices(data, indices);
  const cells = indices.map((imageIndex) => {
    const image = new GrayImage(data.cols, data.rows);
    image.drawScaled(data.images, imageIndex * data.rows * data.cols, data.rows, data.cols, 0, 0, 1);
    const url = `data:image/png;base64,${image.toPng().toString("base64")}`;
    const name = escapeHtml(className(data, imageIndex));
    return `<figure><img src="${url}" width="${data.cols}" height="${data.rows}" alt="${name}"><figcaption>${name}</figcaption></figure>`;
  });
  return `<div class="image-grid">\n${cells.join("\n")}\n</div>`;
}

function className(data: LabeledImages, imageIndex: number): string {
  const label = data.labels[imageIndex]!;
  return data.classNames[label] ?? `class ${label}`;
}

function checkIndices(data: LabeledImages, indices: readonly number[]): void {
  if (indices.length !== GRID_SIZE * GRID_SIZE) {
    throw new RangeError(`the image grid needs ${GRID_SIZE * GRID_SIZE} image indices, got ${indices.length}`);
  }
  const count = data.labels.length;
  for (const index of indices) {
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      throw new RangeError(`image index ${index} is outside 0..${count - 1}`);
    }
  }
}
