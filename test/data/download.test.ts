import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { ConfigError, DataError } from "../../src/errors.js";
import { downloadVerified } from "../../src/data/download.js";

const payload = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) % 251));
const payloadSha256 = sha256(payload);
const payloadGz = gzipSync(payload);
const wrongSha256 = "0".repeat(64);

let server: Server;
let baseUrl: string;
const tempDirs: string[] = [];

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

async function makeTempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "trainlab-download-"));
  tempDirs.push(dir);
  return dir;
}

/** Awaits `promise` and returns the DataError it rejects with. */
async function rejection(promise: Promise<unknown>): Promise<DataError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof DataError, `expected DataError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected the download to fail");
}

before(async () => {
  server = createServer((request, response) => {
    switch (request.url) {
      case "/good.gz":
        response.writeHead(200, { "content-length": payloadGz.length });
        response.end(payloadGz);
        break;
      case "/plain.bin":
        response.writeHead(200, { "content-length": payload.length });
        response.end(payload);
        break;
      case "/chunked.gz":
        // No Content-Length, so node sends the body with chunked encoding.
        response.writeHead(200);
        response.write(payloadGz.subarray(0, 100));
        response.end(payloadGz.subarray(100));
        break;
      case "/redirect":
        response.writeHead(302, { location: "/good.gz" });
        response.end();
        break;
      case "/truncated.gz":
        // Promise more bytes than are sent, then close the connection.
        response.writeHead(200, { "content-length": payloadGz.length + 1000 });
        response.write(payloadGz.subarray(0, 200), () => response.socket?.destroy());
        break;
      case "/stall":
        // Sends the headers and part of the body, then goes silent.
        response.writeHead(200, { "content-length": payloadGz.length });
        response.write(payloadGz.subarray(0, 100));
        break;
      case "/hang":
        // Sends nothing, so the client has to time out.
        break;
      default:
        response.writeHead(404, { "content-type": "text/plain" });
        response.end("not found");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

test("good gzip file lands at dest", async () => {
  const dir = await makeTempDir();
  const dest = join(dir, "sub", "file.gz");
  const lines: string[] = [];
  const result = await downloadVerified({
    url: `${baseUrl}/good.gz`,
    dest,
    sha256: payloadSha256,
    decompress: "gzip",
    log: (line) => lines.push(line),
  });

  assert.deepEqual(await readFile(dest), payloadGz, "the file is stored compressed, as received");
  assert.equal(result.dest, dest);
  assert.equal(result.bytes, payloadGz.length);
  assert.equal(result.contentBytes, payload.length);
  assert.equal(result.sha256, payloadSha256);
  assert.deepEqual(await readdir(join(dir, "sub")), ["file.gz"], "no temporary file is left");
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^downloading http:\/\/127\.0\.0\.1:\d+\/good\.gz$/);
  assert.match(lines[1], /verified/);
});

test("uncompressed file with upper-case hash", async () => {
  const dir = await makeTempDir();
  const dest = join(dir, "plain.bin");
  await downloadVerified({ url: `${baseUrl}/plain.bin`, dest, sha256: payloadSha256.toUpperCase() });
  assert.deepEqual(await readFile(dest), payload);
});

test("chunked body without Content-Length", async () => {
  const dir = await makeTempDir();
  const dest = join(dir, "chunked.gz");
  await downloadVerified({ url: `${baseUrl}/chunked.gz`, dest, sha256: payloadSha256, decompress: "gzip" });
  assert.deepEqual(await readFile(dest), payloadGz);
});

test("redirect is followed", async () => {
  const dir = await makeTempDir();
  const dest = join(dir, "file.gz");
  await downloadVerified({ url: `${baseUrl}/redirect`, dest, sha256: payloadSha256, decompress: "gzip" });
  assert.deepEqual(await readFile(dest), payloadGz);
});

test("wrong checksum leaves nothing", async () => {
  const dir = await makeTempDir();
  const url = `${baseUrl}/good.gz`;
  const err = await rejection(
    downloadVerified({ url, dest: join(dir, "file.gz"), sha256: wrongSha256, decompress: "gzip" }),
  );

  assert.ok(err.message.startsWith(`${url}: SHA-256 mismatch`), err.message);
  assert.ok(err.message.includes(`expected ${wrongSha256}`), err.message);
  assert.ok(err.message.includes(`got ${payloadSha256}`), err.message);
  assert.equal(err.path, url);
  assert.deepEqual(await readdir(dir), []);
});

test("hash covers decompressed bytes", async () => {
  // The hash of the .gz file itself must not be accepted.
  const dir = await makeTempDir();
  const err = await rejection(
    downloadVerified({ url: `${baseUrl}/good.gz`, dest: join(dir, "f.gz"), sha256: sha256(payloadGz), decompress: "gzip" }),
  );
  assert.match(err.message, /SHA-256 mismatch of decompressed content/);
  assert.deepEqual(await readdir(dir), []);
});

test("failed download keeps existing dest", async () => {
  const dir = await makeTempDir();
  const dest = join(dir, "file.gz");
  await writeFile(dest, "previous content");
  await rejection(downloadVerified({ url: `${baseUrl}/good.gz`, dest, sha256: wrongSha256, decompress: "gzip" }));
  assert.equal(await readFile(dest, "utf8"), "previous content");
  assert.deepEqual(await readdir(dir), ["file.gz"]);
});

test("truncated body leaves nothing", async () => {
  const dir = await makeTempDir();
  const url = `${baseUrl}/truncated.gz`;
  const err = await rejection(downloadVerified({ url, dest: join(dir, "file.gz"), sha256: payloadSha256, decompress: "gzip" }));

  assert.ok(err.message.startsWith(`${url}: truncated: received 200 of ${payloadGz.length + 1000} bytes`), err.message);
  assert.deepEqual(await readdir(dir), []);
});

test("404 names the status", async () => {
  const dir = await makeTempDir();
  const url = `${baseUrl}/missing.gz`;
  const err = await rejection(downloadVerified({ url, dest: join(dir, "file.gz"), sha256: payloadSha256 }));

  assert.equal(err.message, `${url}: HTTP 404 Not Found`);
  assert.deepEqual(await readdir(dir), []);
});

test("gzip expected but plain body", async () => {
  const dir = await makeTempDir();
  const url = `${baseUrl}/plain.bin`;
  const err = await rejection(downloadVerified({ url, dest: join(dir, "file.gz"), sha256: payloadSha256, decompress: "gzip" }));

  assert.ok(err.message.startsWith(`${url}: invalid gzip data: `), err.message);
  assert.deepEqual(await readdir(dir), []);
});

test("silent server times out", async () => {
  const dir = await makeTempDir();
  const url = `${baseUrl}/hang`;
  const err = await rejection(downloadVerified({ url, dest: join(dir, "file"), sha256: payloadSha256, timeoutMs: 200 }));

  assert.equal(err.message, `${url}: timed out after 200 ms without data from the server`);
  assert.deepEqual(await readdir(dir), []);
});

test("stalled body times out", async () => {
  const dir = await makeTempDir();
  const url = `${baseUrl}/stall`;
  const err = await rejection(downloadVerified({ url, dest: join(dir, "file.gz"), sha256: payloadSha256, timeoutMs: 200 }));

  assert.equal(err.message, `${url}: timed out after 200 ms without data from the server`);
  assert.deepEqual(await readdir(dir), []);
});

test("refused connection", async () => {
  // Port 1 on the loopback address has no listener in the test environment.
  const dir = await makeTempDir();
  const url = "http://127.0.0.1:1/file.gz";
  const err = await rejection(downloadVerified({ url, dest: join(dir, "file.gz"), sha256: payloadSha256 }));
  assert.match(err.message, /^http:\/\/127\.0\.0\.1:1\/file\.gz: request failed: .*ECONNREFUSED/);
  assert.deepEqual(await readdir(dir), []);
});

test("dest under a file", async () => {
  const dir = await makeTempDir();
  const blocker = join(dir, "blocker");
  await writeFile(blocker, "a file where a directory is needed");
  const url = `${baseUrl}/good.gz`;
  const err = await rejection(
    downloadVerified({ url, dest: join(blocker, "file.gz"), sha256: payloadSha256, decompress: "gzip" }),
  );
  assert.ok(err.message.startsWith(`${url}: failed to create directory ${blocker}: `), err.message);
});

test("invalid options rejected", async () => {
  const dir = await makeTempDir();
  const dest = join(dir, "file");
  await assert.rejects(downloadVerified({ url: "ftp://127.0.0.1/x", dest, sha256: payloadSha256 }), ConfigError);
  await assert.rejects(downloadVerified({ url: `${baseUrl}/good.gz`, dest, sha256: "abc" }), ConfigError);
  await assert.rejects(downloadVerified({ url: `${baseUrl}/good.gz`, dest, sha256: payloadSha256, timeoutMs: 0 }), ConfigError);
  assert.deepEqual(await readdir(dir), []);
});
