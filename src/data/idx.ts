/**
 * IDX file parser for unsigned-byte images and labels, the format of MNIST and
 * Fashion-MNIST (described at http://yann.lecun.com/exdb/mnist/).
 *
 * A file starts with a big-endian 32-bit magic number: two zero bytes, a data
 * type byte (0x08 for unsigned byte) and the number of dimensions. Images
 * (magic 2051 = 0x00000803) then give count, rows and cols as big-endian
 * uint32; labels (magic 2049 = 0x00000801) give count. One unsigned byte per
 * value follows, row-major, with nothing after it. Files may be gzip-compressed.
 */
import { gunzipSync } from "node:zlib";
import { DataError } from "../errors.js";

export const IDX_IMAGES_MAGIC = 2051;
export const IDX_LABELS_MAGIC = 2049;

const IMAGES_HEADER_BYTES = 16;
const LABELS_HEADER_BYTES = 8;

/** Images decoded from an IDX file. */
export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** count * rows * cols pixel values, row-major, as a view into the decoded buffer. */
  pixels: Uint8Array;
}

/** Labels decoded from an IDX file. */
export interface IdxLabels {
  count: number;
  /** One value per item, as a view into the decoded buffer. */
  labels: Uint8Array;
}

/** Decoded file contents and whether they were gzip-compressed. */
interface DecodedBytes {
  bytes: Buffer;
  gzipped: boolean;
}

/** True when the buffer starts with the gzip magic bytes 0x1f 0x8b (RFC 1952). */
export function isGzip(data: Uint8Array): boolean {
  return data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b;
}

/**
 * Parses an IDX image file, raw or gzip-compressed.
 *
 * `source` is the file name or path used in error messages and as
 * `DataError.path`. Throws DataError for invalid gzip data, a wrong magic
 * number, zero rows or cols, and a body shorter or longer than the header
 * promises.
 */
export function parseIdxImages(data: Buffer, source: string): IdxImages {
  const { bytes, gzipped } = decompressIfGzip(data, source);
  checkMagic(bytes, IDX_IMAGES_MAGIC, IMAGES_HEADER_BYTES, source, gzipped);

  const count = bytes.readUInt32BE(4);
  const rows = bytes.readUInt32BE(8);
  const cols = bytes.readUInt32BE(12);
  if (rows === 0 || cols === 0) {
    throw new DataError(`${source}: invalid IDX image size ${rows}x${cols} (rows and cols must be at least 1)`, source);
  }

  const valueCount = count * rows * cols;
  checkLength(bytes, IMAGES_HEADER_BYTES + valueCount, source, gzipped);
  const pixels = new Uint8Array(bytes.buffer, bytes.byteOffset + IMAGES_HEADER_BYTES, valueCount);
  return { count, rows, cols, pixels };
}

/**
 * Parses an IDX label file, raw or gzip-compressed.
 *
 * `source` is used as in parseIdxImages, and the same checks apply.
 */
export function parseIdxLabels(data: Buffer, source: string): IdxLabels {
  const { bytes, gzipped } = decompressIfGzip(data, source);
  checkMagic(bytes, IDX_LABELS_MAGIC, LABELS_HEADER_BYTES, source, gzipped);

  const count = bytes.readUInt32BE(4);
  checkLength(bytes, LABELS_HEADER_BYTES + count, source, gzipped);
  const labels = new Uint8Array(bytes.buffer, bytes.byteOffset + LABELS_HEADER_BYTES, count);
  return { count, labels };
}

/** Throws DataError naming both files unless there is one label per image. */
export function checkSameCount(
  images: IdxImages,
  labels: IdxLabels,
  imagesSource: string,
  labelsSource: string,
): void {
  if (images.count !== labels.count) {
    throw new DataError(
      `${imagesSource} has ${images.count} images but ${labelsSource} has ${labels.count} labels ` +
        "(both files must come from the same split)",
      imagesSource,
    );
  }
}

function decompressIfGzip(data: Buffer, source: string): DecodedBytes {
  if (!isGzip(data)) return { bytes: data, gzipped: false };
  try {
    return { bytes: gunzipSync(data), gzipped: true };
  } catch (err) {
    // zlib reports a cut-off stream as "unexpected end of file" and damaged
    // data as "invalid ..." or a checksum error, so its message is the detail.
    const detail = err instanceof Error ? err.message : String(err);
    throw new DataError(`${source}: invalid gzip data: ${detail}`, source);
  }
}

function checkMagic(bytes: Buffer, expected: number, headerBytes: number, source: string, gzipped: boolean): void {
  if (bytes.length < headerBytes) {
    throw new DataError(
      `${source}: truncated: expected at least ${headerBytes} header bytes${afterDecompression(gzipped)}, got ${bytes.length}`,
      source,
    );
  }

  const magic = bytes.readUInt32BE(0);
  if (magic === expected) return;

  const expectedKind = describeMagic(expected);
  const actualKind = describeMagic(magic);
  const found = actualKind === undefined ? `0x${magic.toString(16).padStart(8, "0")}` : `${magic} (${actualKind})`;
  throw new DataError(`${source}: invalid IDX magic number ${found}, expected ${expected} (${expectedKind})`, source);
}

function checkLength(bytes: Buffer, expected: number, source: string, gzipped: boolean): void {
  if (bytes.length === expected) return;

  // A corrupted header can make count * rows * cols exceed 2^53, where the
  // product is inexact. It then still exceeds any buffer, so the file is
  // reported as truncated.
  const problem = bytes.length < expected ? "truncated" : "extra bytes";
  throw new DataError(
    `${source}: ${problem}: expected ${expected} bytes${afterDecompression(gzipped)}, got ${bytes.length}`,
    source,
  );
}

function describeMagic(magic: number): string | undefined {
  if (magic === IDX_IMAGES_MAGIC) return "IDX unsigned-byte images";
  if (magic === IDX_LABELS_MAGIC) return "IDX unsigned-byte labels";
  return undefined;
}

function afterDecompression(gzipped: boolean): string {
  return gzipped ? " after decompression" : "";
}
