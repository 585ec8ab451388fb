/**
 * Verified file download over HTTP or HTTPS with node's built-in clients.
 *
 * The body streams into a temporary file next to the destination. The file is
 * renamed into place only after the status, the Content-Length and the SHA-256
 * of the content all check out, so the destination either contains a verified
 * file or is left untouched.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { get as httpGet, type IncomingMessage } from "node:http";
import { get as httpsGet } from "node:https";
import { dirname } from "node:path";
import { Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { ConfigError, DataError } from "../errors.js";

/** Options for downloadVerified. */
export interface DownloadOptions {
  /** http: or https: URL of the file. */
  url: string;
  /** Path that the verified file is renamed to. Missing parent directories are created. */
  dest: string;
  /** Expected SHA-256 of the content after decompression, as 64 hex digits. */
  sha256: string;
  /**
   * Compression of the body. With "gzip" the file is stored compressed as
   * received, but the hash covers the decompressed bytes, because different
   * sources compress the same data differently. Default "none".
   */
  decompress?: "gzip" | "none";
  /** Maximum time in milliseconds without any data from the server. Default 30000. */
  timeoutMs?: number;
  /** Receives one line when the download starts and one when it is verified. */
  log?: (line: string) => void;
}

/** Facts about a completed download. */
export interface DownloadResult {
  dest: string;
  /** Bytes received and stored. */
  bytes: number;
  /** Bytes that were hashed: the decompressed size for "gzip", else equal to bytes. */
  contentBytes: number;
  sha256: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_REDIRECTS = 5;
const SHA256_PATTERN = /^[0-9a-f]{64}$/i;

/**
 * Downloads `url` to `dest` and verifies the SHA-256 of its content.
 *
 * Follows up to 5 redirects. Throws ConfigError for an invalid URL or hash.
 * Throws DataError naming the URL for a non-200 status, a timeout, a
 * connection error, a body shorter than its Content-Length, invalid gzip
 * data, a hash mismatch or a failure to create or rename files. On every
 * failure the temporary file is deleted and `dest` is not touched.
 */
export async function downloadVerified(options: DownloadOptions): Promise<DownloadResult> {
  const { url, dest, sha256 } = options;
  const decompress = options.decompress ?? "none";
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const log = options.log ?? (() => {});

  parseHttpUrl(url, "url");
  if (!SHA256_PATTERN.test(sha256)) {
    throw new ConfigError("sha256", sha256, "64 hexadecimal digits");
  }
  if (decompress !== "gzip" && decompress !== "none") {
    throw new ConfigError("decompress", decompress, '"gzip" or "none"');
  }
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new ConfigError("timeoutMs", timeoutMs, "a positive number of milliseconds");
  }

  try {
    await mkdir(dirname(dest), { recursive: true });
  } catch (err) {
    throw new DataError(`${url}: failed to create directory ${dirname(dest)}: ${describeError(err)}`, dest);
  }
  // The pid and random suffix keep concurrent downloads of the same file, from
  // this or another process, from writing into one temporary file.
  const tempPath = `${dest}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`;

  log(`downloading ${url}`);
  try {
    const bytes = await fetchToFile(url, tempPath, timeoutMs);
    const content = await hashFile(tempPath, decompress, url);
    const actual = content.sha256;
    if (actual !== sha256.toLowerCase()) {
      const hashedContent = decompress === "gzip" ? "decompressed content" : "content";
      throw new DataError(`${url}: SHA-256 mismatch of ${hashedContent}: expected ${sha256.toLowerCase()}, got ${actual}`, url);
    }
    try {
      await rename(tempPath, dest);
    } catch (err) {
      throw new DataError(`${url}: failed to save the download as ${dest}: ${describeError(err)}`, dest);
    }
    log(`verified ${url} (${bytes} bytes, SHA-256 ${actual}) and saved it as ${dest}`);
    return { dest, bytes, contentBytes: content.bytes, sha256: actual };
  } finally {
    // After a successful rename the temporary path no longer exists, and
    // force makes rm ignore that.
    await rm(tempPath, { force: true });
  }
}

/** Streams the body of `url` into `path` and returns the number of bytes received. */
async function fetchToFile(url: string, path: string, timeoutMs: number): Promise<number> {
  const response = await requestFollowingRedirects(url, timeoutMs);
  const declared = parseContentLength(response.headers["content-length"]);

  let received = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      callback(null, chunk);
    },
  });

  try {
    // flags "wx" fails instead of overwriting if the random name already exists.
    await pipeline(response, counter, createWriteStream(path, { flags: "wx" }));
  } catch (err) {
    if (isDataError(err)) throw err;
    // node reports a connection closed before the end of the body only as
    // "aborted" (ECONNRESET), so the message adds the byte counts.
    if (declared !== undefined && received < declared) {
      throw new DataError(
        `${url}: truncated: received ${received} of ${declared} bytes (Content-Length), then the connection failed: ${describeError(err)}`,
        url,
      );
    }
    throw new DataError(`${url}: download failed after ${received} bytes: ${describeError(err)}`, url);
  }

  if (declared !== undefined && received !== declared) {
    const problem = received < declared ? "truncated" : "body longer than Content-Length";
    throw new DataError(`${url}: ${problem}: received ${received} of ${declared} bytes (Content-Length)`, url);
  }
  return received;
}

/** Sends GET requests until a non-redirect response arrives, and returns it. */
async function requestFollowingRedirects(url: string, timeoutMs: number): Promise<IncomingMessage> {
  let current = url;
  for (let redirects = 0; ; redirects++) {
    const response = await requestOnce(current, timeoutMs);
    const status = response.statusCode ?? 0;
    const location = response.headers.location;

    if (status >= 300 && status < 400 && location !== undefined) {
      // The body of a redirect is not needed, and it must be consumed so the
      // socket is released.
      response.resume();
      if (redirects >= MAX_REDIRECTS) {
        throw new DataError(`${url}: too many redirects (more than ${MAX_REDIRECTS})`, url);
      }
      const next = new URL(location, current);
      if (next.protocol !== "http:" && next.protocol !== "https:") {
        throw new DataError(`${url}: redirected to unsupported URL ${next.href}`, url);
      }
      current = next.href;
      continue;
    }

    if (status !== 200) {
      response.resume();
      const via = current === url ? "" : ` (redirected to ${current})`;
      throw new DataError(`${url}: HTTP ${status} ${response.statusMessage ?? ""}`.trimEnd() + via, url);
    }
    return response;
  }
}

/** Sends one GET request and resolves with the response headers. */
function requestOnce(url: string, timeoutMs: number): Promise<IncomingMessage> {
  const get = new URL(url).protocol === "https:" ? httpsGet : httpGet;
  return new Promise((resolve, reject) => {
    let response: IncomingMessage | undefined;
    // Asking for identity encoding keeps Content-Length equal to the bytes
    // stored, because node's http client does not undo a Content-Encoding.
    const request = get(url, { headers: { "accept-encoding": "identity" } }, (res) => {
      response = res;
      resolve(res);
    });
    // The socket timeout fires after timeoutMs without traffic, both while
    // waiting for headers and while the body streams, so a slow but steady
    // download is never cut off.
    request.setTimeout(timeoutMs, () => {
      const err = new DataError(`${url}: timed out after ${timeoutMs} ms without data from the server`, url);
      // Destroying the response first hands this error to the body pipeline,
      // which would otherwise see only node's generic "aborted".
      response?.destroy(err);
      request.destroy(err);
    });
    request.on("error", (err) => {
      reject(isDataError(err) ? err : new DataError(`${url}: request failed: ${describeError(err)}`, url));
    });
  });
}

/** Computes the SHA-256 of a file's content, decompressing it first for "gzip". */
async function hashFile(
  path: string,
  decompress: "gzip" | "none",
  url: string,
): Promise<{ sha256: string; bytes: number }> {
  // The file is hashed after the download rather than during it, because one
  // extra sequential read of a file that was just written is cheap and keeps
  // gzip errors apart from network errors.
  const hash = createHash("sha256");
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback();
    },
  });

  try {
    if (decompress === "gzip") {
      await pipeline(createReadStream(path), createGunzip(), sink);
    } else {
      await pipeline(createReadStream(path), sink);
    }
  } catch (err) {
    const problem = decompress === "gzip" ? "invalid gzip data" : "failed to read the downloaded file";
    throw new DataError(`${url}: ${problem}: ${describeError(err)}`, url);
  }
  return { sha256: hash.digest("hex"), bytes };
}

/** Parses an absolute http: or https: URL and throws a ConfigError naming `field` for anything else. */
export function parseHttpUrl(value: string, field: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(field, value, "an absolute http: or https: URL");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new ConfigError(field, value, "an absolute http: or https: URL");
  }
  return parsed;
}

function parseContentLength(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d+$/.test(header)) return undefined;
  return Number(header);
}

function isDataError(err: unknown): err is DataError {
  return err instanceof DataError;
}

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as NodeJS.ErrnoException).code;
  return code === undefined ? err.message : `${err.message} (${code})`;
}
