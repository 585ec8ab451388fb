/**
 * A minimal reader for uncompressed tar archives already in memory: enough to
 * pull one regular file out of a downloaded data set archive.
 *
 * It reads POSIX ustar headers (with the 155-byte name prefix), GNU headers
 * with long names (type 'L') and pax extended headers (type 'x', `path` and
 * `size` keys). It verifies each header checksum. Links, directories and
 * device entries are listed but have no data.
 */
import { DataError } from "../errors.js";

const BLOCK = 512;

/** One archive member. `data` is a view into the archive buffer, not a copy. */
export interface TarEntry {
  name: string;
  /** The typeflag character: "0" for a regular file, "5" for a directory, and so on. */
  type: string;
  data: Uint8Array;
}

/**
 * Yields the members of `tar` in archive order. Throws a DataError naming
 * `archiveName` for a bad header checksum, a malformed number or a member
 * that runs past the end of the buffer.
 */
export function* readTarEntries(tar: Uint8Array, archiveName: string): Generator<TarEntry> {
  let offset = 0;
  // Set by a GNU long-name or pax header and applied to the member that follows it.
  let pendingName: string | undefined;
  let pendingSize: number | undefined;

  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    // The archive ends with two zero blocks. One is enough to stop, because
    // some writers omit the second.
    if (header.every((byte) => byte === 0)) return;
    verifyChecksum(header, offset, archiveName);

    const type = header[156] === 0 ? "0" : String.fromCharCode(header[156]!);
    const size = pendingSize ?? readNumber(header, 124, 12, "size", offset, archiveName);
    const dataStart = offset + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > tar.length) {
      throw new DataError(`${archiveName} is truncated: member at byte ${offset} needs ${size} bytes`, archiveName);
    }
    const data = tar.subarray(dataStart, dataEnd);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;

    if (type === "L") {
      pendingName = readString(data, 0, data.length);
      continue;
    }
    if (type === "x") {
      const records = parsePaxRecords(data, archiveName);
      if (records.has("path")) pendingName = records.get("path");
      if (records.has("size")) pendingSize = parsePaxSize(records.get("size")!, archiveName);
      continue;
    }
    if (type === "g" || type === "K") continue;

    const name = pendingName ?? headerName(header);
    pendingName = undefined;
    pendingSize = undefined;
    yield { name: stripDotSlash(name), type, data };
  }
}

/**
 * Returns the data of the regular file `name` in `tar`. A leading "./" on
 * member names is ignored. Throws a DataError when no such file exists.
 */
export function readTarEntry(tar: Uint8Array, name: string, archiveName: string): Uint8Array {
  const expectedName = stripDotSlash(name);
  for (const entry of readTarEntries(tar, archiveName)) {
    if (entry.name === expectedName && (entry.type === "0" || entry.type === "7")) return entry.data;
  }
  throw new DataError(`${archiveName} does not contain ${expectedName}`, archiveName);
}

function headerName(header: Uint8Array): string {
  const name = readString(header, 0, 100);
  // Only POSIX ustar ("ustar\0") has the prefix field. GNU tar ("ustar  \0")
  // stores access and change times at the same offset.
  const isPosixUstar = readString(header, 257, 6) === "ustar" && header[262] === 0;
  const prefix = isPosixUstar ? readString(header, 345, 155) : "";
  return prefix === "" ? name : `${prefix}/${name}`;
}

/** Checks the header sum, counting the checksum field itself as 8 spaces. */
function verifyChecksum(header: Uint8Array, offset: number, archiveName: string): void {
  const stored = readNumber(header, 148, 8, "checksum", offset, archiveName);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : header[i]!;
    unsigned += byte;
    signed += byte >= 0x80 ? byte - 0x100 : byte;
  }
  // Some old writers summed signed chars, so readers such as Python's tarfile accept either sum.
  if (stored !== unsigned && stored !== signed) {
    throw new DataError(
      `${archiveName} is not a valid tar archive: header checksum mismatch at byte ${offset}`,
      archiveName,
    );
  }
}

/**
 * Reads an octal number field terminated by NUL or space, or a GNU base-256
 * number, which sets the top bit of the first byte and is big-endian.
 */
function readNumber(
  header: Uint8Array,
  start: number,
  length: number,
  field: string,
  offset: number,
  archiveName: string,
): number {
  if (header[start]! & 0x80) {
    let value = header[start]! & 0x7f;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + header[i]!;
    return value;
  }
  const text = readString(header, start, length).trim();
  if (!/^[0-7]*$/.test(text)) {
    throw new DataError(
      `${archiveName} is not a valid tar archive: ${field} field ${JSON.stringify(text)} at byte ${offset} is not octal`,
      archiveName,
    );
  }
  return text === "" ? 0 : parseInt(text, 8);
}

/** Reads a NUL-terminated string field, decoded as UTF-8 (exact for the ASCII names of data archives). */
function readString(bytes: Uint8Array, start: number, length: number): string {
  let end = start;
  while (end < start + length && bytes[end] !== 0) end++;
  return new TextDecoder().decode(bytes.subarray(start, end));
}

/** Parses pax records of the form "<length> <key>=<value>\n". */
function parsePaxRecords(data: Uint8Array, archiveName: string): Map<string, string> {
  const records = new Map<string, string>();
  let position = 0;
  while (position < data.length) {
    let space = position;
    while (space < data.length && data[space] !== 0x20) space++;
    const length = Number(new TextDecoder().decode(data.subarray(position, space)));
    if (!Number.isInteger(length) || length <= 0 || position + length > data.length) {
      throw new DataError(`${archiveName} has a malformed pax header record`, archiveName);
    }
    const record = new TextDecoder().decode(data.subarray(space + 1, position + length - 1));
    const equals = record.indexOf("=");
    if (equals > 0) records.set(record.slice(0, equals), record.slice(equals + 1));
    position += length;
  }
  return records;
}

function parsePaxSize(text: string, archiveName: string): number {
  const size = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(size)) {
    throw new DataError(`${archiveName} has an invalid pax size ${JSON.stringify(text)}`, archiveName);
  }
  return size;
}

function stripDotSlash(name: string): string {
  return name.startsWith("./") ? name.slice(2) : name;
}
