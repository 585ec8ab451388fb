/**
 * An 8-bit grayscale raster with the few drawing operations the image grid
 * needs (fill, upscaled image, bitmap text), encoded as PNG with pngjs.
 */
import { PNG } from "pngjs";
import { GLYPH_ADVANCE, glyph } from "./font.js";

export class GrayImage {
  /** Row-major gray levels, 0 black to 255 white. */
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background = 255,
  ) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new RangeError(`image size must be positive integers, got ${width}x${height}`);
    }
    this.pixels = new Uint8Array(width * height).fill(background);
  }

  /** Sets one pixel. Coordinates outside the image are ignored. */
  set(x: number, y: number, level: number): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    this.pixels[y * this.width + x] = level;
  }

  /**
   * Draws a rows x cols image of values in [0, 1], starting at `offset` in
   * `values`, with its top-left corner at (x, y) and each source pixel as a
   * scale x scale block of gray level round(value * 255).
   */
  drawScaled(values: ArrayLike<number>, offset: number, rows: number, cols: number, x: number, y: number, scale: number): void {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const level = toGrayLevel(values[offset + r * cols + c]!);
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) this.set(x + c * scale + dx, y + r * scale + dy, level);
        }
      }
    }
  }

  /**
   * Draws `text` in the 5x9 bitmap font with its top-left corner at (x, y).
   * Characters that would cross `maxX` are left out, so a long label is cut
   * at a character boundary.
   */
  drawText(text: string, x: number, y: number, level: number, maxX = this.width): void {
    let left = x;
    for (const char of text) {
      if (left + GLYPH_ADVANCE - 1 > maxX) break;
      glyph(char).forEach((row, dy) =>
        row.forEach((ink, dx) => {
          if (ink) this.set(left + dx, y + dy, level);
        }),
      );
      left += GLYPH_ADVANCE;
    }
  }

  /** Encodes the image as an 8-bit grayscale PNG (color type 0). */
  toPng(): Buffer {
    const png = new PNG({ width: this.width, height: this.height });
    png.data = Buffer.from(this.pixels.buffer, this.pixels.byteOffset, this.pixels.byteLength);
    return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
  }
}

/** Maps a value in [0, 1] to a gray level 0..255, clamping values outside. */
export function toGrayLevel(value: number): number {
  if (!(value > 0)) return 0;
  if (value >= 1) return 255;
  return Math.round(value * 255);
}
