/**
 * The California housing data set (Pace and Barry 1997: 20,640 census block
 * groups), parsed into the 8 features and the target that scikit-learn's
 * `fetch_california_housing` returns, and located on disk without a network.
 *
 * The raw file `cal_housing.data` has 9 comma-separated columns per line, no
 * header: longitude, latitude, housingMedianAge, totalRooms, totalBedrooms,
 * population, households, medianIncome, medianHouseValue.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";

import { DataError } from "../errors.js";
import { downloadVerified } from "./download.js";
import { readTarEntry } from "./tar.js";

/** Column names of the raw file, in file order. */
export const RAW_COLUMNS = [
  "longitude",
  "latitude",
  "housingMedianAge",
  "totalRooms",
  "totalBedrooms",
  "population",
  "households",
  "medianIncome",
  "medianHouseValue",
] as const;

/** Feature names and order, the same as scikit-learn's `feature_names`. */
export const FEATURE_NAMES = [
  "MedInc",
  "HouseAge",
  "AveRooms",
  "AveBedrms",
  "Population",
  "AveOccup",
  "Latitude",
  "Longitude",
] as const;

export const FEATURE_COUNT = FEATURE_NAMES.length;
export const TARGET_NAME = "MedHouseVal";
export const DATA_FILE_NAME = "cal_housing.data";

/** Row count and SHA-256 of the StatLib file that scikit-learn downloads. */
export const ROW_COUNT = 20640;
export const DATA_SHA256 = "d3d8a1a722ae78f91134862727d27a70b1415e7d512a89140406248687f4b902";

/** The archive scikit-learn downloads, and where the data file sits inside it. */
export const ARCHIVE_URL = "https://ndownloader.figshare.com/files/5976036";
export const ARCHIVE_SHA256 = "aaa5c9a6afe2225cc2aed2723682ae403280c4a3695a2ddda4ffb5d8215ea681";
export const ARCHIVE_FILE_NAME = "cal_housing.tgz";
export const ARCHIVE_ENTRY = "CaliforniaHousing/cal_housing.data";

/**
 * The gzip-compressed copy shipped with trainlab. This module compiles to
 * dist/src/data/, so three levels up is the package root, which contains data/.
 */
export const SHIPPED_DATA_URL = new URL("../../../data/cal_housing.data.gz", import.meta.url);

/** A parsed data set: features row-major, one row per census block group. */
export interface CaliforniaHousing {
  /** count * 8 values in FEATURE_NAMES order. */
  features: Float32Array;
  /** Median house value in units of 100,000 US dollars. */
  targets: Float32Array;
  featureNames: string[];
  targetName: typeof TARGET_NAME;
  count: number;
}

export type CaliforniaHousingSourceKind = "data-dir" | "scikit-learn-data-home" | "shipped";

/** Origin of a loaded data set. */
export interface CaliforniaHousingSource {
  kind: CaliforniaHousingSourceKind;
  /** The file read, or `archive.tgz!entry` for a file read from an archive. */
  path: string;
  /** SHA-256 of the decompressed data file, to compare with DATA_SHA256. */
  sha256: string;
}

export interface LoadedCaliforniaHousing extends CaliforniaHousing {
  source: CaliforniaHousingSource;
}

export interface LoadCaliforniaHousingOptions {
  /** A directory containing cal_housing.data or cal_housing.data.gz. */
  dataDir?: string;
  /** Environment to read SCIKIT_LEARN_DATA from. Defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Home directory for ~/scikit_learn_data. Defaults to os.homedir(). */
  homeDir?: string;
  /** Receives one line per lookup decision and for a checksum mismatch. */
  log?: (message: string) => void;
}

const HOUSEHOLDS = RAW_COLUMNS.indexOf("households");

/** The raw column each feature comes from, so an overflow error names a column of the file. */
const FEATURE_SOURCE_COLUMNS: readonly string[] = [
  "medianIncome",
  "housingMedianAge",
  "totalRooms",
  "totalBedrooms",
  "population",
  "population",
  "latitude",
  "longitude",
];
const MAX_FLOAT32 = 3.4028234663852886e38;
const DECIMAL_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NOT_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;

/**
 * Parses the text of cal_housing.data into features and targets. The ratios
 * are computed in float64 and then rounded once to float32, as scikit-learn
 * computes them in float64. Blank lines are skipped, as numpy.loadtxt does.
 *
 * Throws a DataError naming `sourceName`, the 1-based line number and the
 * column for a wrong column count, a value that is not a finite decimal
 * number, a households count that is not positive, or a value outside the
 * float32 range. A file without data rows gets a DataError naming the file.
 * Nothing is returned for a malformed file, so no caller sees part of a data set.
 */
export function parseCaliforniaHousing(text: string, sourceName: string): CaliforniaHousing {
  const lines = text.split("\n");
  let count = 0;
  for (const line of lines) {
    if (line.trim() !== "") count++;
  }
  if (count === 0) {
    throw new DataError(
      `${sourceName} contains no data rows (expected ${RAW_COLUMNS.length} comma-separated numbers per line)`,
      sourceName,
    );
  }

  const features = new Float32Array(count * FEATURE_COUNT);
  const targets = new Float32Array(count);
  const raw = new Float64Array(RAW_COLUMNS.length);
  const derived = new Float64Array(FEATURE_COUNT);
  let row = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    const location = `${sourceName}:${i + 1}`;
    parseRawRow(line, location, sourceName, raw);
    deriveFeatures(raw, location, sourceName, derived);

    features.set(derived, row * FEATURE_COUNT);
    const target = raw[8]! / 100000;
    checkFloat32Range(target, location, "medianHouseValue", sourceName);
    targets[row] = target;
    row++;
  }

  return { features, targets, featureNames: [...FEATURE_NAMES], targetName: TARGET_NAME, count };
}

/** Parses one line into `raw`, in RAW_COLUMNS order. */
function parseRawRow(line: string, location: string, sourceName: string, raw: Float64Array): void {
  const fields = line.split(",");
  if (fields.length < RAW_COLUMNS.length) {
    const missing = RAW_COLUMNS.slice(fields.length).join(", ");
    throw new DataError(
      `${location}: expected ${RAW_COLUMNS.length} comma-separated columns, found ${fields.length} (missing ${missing})`,
      sourceName,
    );
  }
  if (fields.length > RAW_COLUMNS.length) {
    throw new DataError(
      `${location}: expected ${RAW_COLUMNS.length} comma-separated columns, found ${fields.length} (extra columns after medianHouseValue)`,
      sourceName,
    );
  }

  for (let c = 0; c < RAW_COLUMNS.length; c++) {
    const field = fields[c]!.trim();
    const column = RAW_COLUMNS[c]!;
    if (NOT_FINITE.test(field)) {
      throw new DataError(`${location}: column ${column}: ${quote(field)} is not a finite number`, sourceName);
    }
    if (!DECIMAL_NUMBER.test(field)) {
      throw new DataError(`${location}: column ${column}: ${quote(field)} is not a number`, sourceName);
    }
    const value = Number(field);
    // A decimal literal such as 1e999 parses, but to infinity.
    if (!Number.isFinite(value)) {
      throw new DataError(`${location}: column ${column}: ${quote(field)} is not a finite number`, sourceName);
    }
    raw[c] = value;
  }
}

/** Fills `derived` with the 8 features of one raw row, in FEATURE_NAMES order. */
function deriveFeatures(raw: Float64Array, location: string, sourceName: string, derived: Float64Array): void {
  const households = raw[HOUSEHOLDS]!;
  if (households <= 0) {
    // Three features are per-household averages, so zero households divides
    // by zero and a negative count gives meaningless averages.
    throw new DataError(
      `${location}: column households: ${households} is not a positive count (AveRooms, AveBedrms and AveOccup divide by it)`,
      sourceName,
    );
  }
  derived[0] = raw[7]!;
  derived[1] = raw[2]!;
  derived[2] = raw[3]! / households;
  derived[3] = raw[4]! / households;
  derived[4] = raw[5]!;
  derived[5] = raw[5]! / households;
  derived[6] = raw[1]!;
  derived[7] = raw[0]!;

  for (let f = 0; f < FEATURE_COUNT; f++) {
    checkFloat32Range(derived[f]!, location, FEATURE_SOURCE_COLUMNS[f]!, sourceName);
  }
}

/** Rejects a value that would become infinity when stored as float32. */
function checkFloat32Range(value: number, location: string, column: string, sourceName: string): void {
  if (Math.abs(value) > MAX_FLOAT32) {
    throw new DataError(`${location}: column ${column}: ${value} is outside the float32 range`, sourceName);
  }
}

/** Quotes a field for an error message, truncated so one bad line stays one line of output. */
function quote(field: string): string {
  const preview = field.length > 40 ? `${field.slice(0, 40)}...` : field;
  return JSON.stringify(preview);
}

/**
 * Loads the data set from the first of these that exists:
 *
 * 1. `dataDir`, containing cal_housing.data or cal_housing.data.gz. A named
 *    directory that is missing or contains neither file is an error, with no
 *    fall-through, so a typo never silently loads another copy.
 * 2. The scikit-learn data home ($SCIKIT_LEARN_DATA, else ~/scikit_learn_data),
 *    when it contains CaliforniaHousing/cal_housing.data or cal_housing.tgz.
 * 3. The gzip copy shipped with trainlab, verified against DATA_SHA256.
 *
 * NOTE: scikit-learn itself (1.x, sklearn/datasets/_california_housing.py) never
 * leaves cal_housing.data on disk. It reads the file straight out of
 * cal_housing.tgz, stores the columns as a joblib pickle cal_housing_py3.pkz,
 * then deletes the archive. We cannot read that pickle, so a data home that only
 * scikit-learn has filled falls through to the shipped copy. The extracted file
 * is found only where a user unpacked the archive into the data home, and the
 * archive only where scikit-learn stopped between download and pickling.
 */
export async function loadCaliforniaHousing(
  options: LoadCaliforniaHousingOptions = {},
): Promise<LoadedCaliforniaHousing> {
  const log = options.log ?? (() => {});

  if (options.dataDir !== undefined) {
    const path = await findInDataDir(options.dataDir);
    log(`loading California housing from ${path}`);
    return loadFile(path, "data-dir", log);
  }

  const fromDataHome = await loadFromScikitLearnDataHome(options, log);
  if (fromDataHome !== undefined) return fromDataHome;

  const shippedPath = fileURLToPath(SHIPPED_DATA_URL);
  log(`loading California housing from the shipped copy ${shippedPath}`);
  return loadFile(shippedPath, "shipped", log);
}

/** Returns the data file inside `dataDir`, preferring the uncompressed one. */
async function findInDataDir(dataDir: string): Promise<string> {
  const kind = await fileKind(dataDir);
  if (kind === "missing") {
    throw new DataError(`data directory not found: ${dataDir}`, dataDir);
  }
  if (kind !== "directory") {
    throw new DataError(`data directory ${dataDir} is not a directory`, dataDir);
  }
  for (const name of [DATA_FILE_NAME, `${DATA_FILE_NAME}.gz`]) {
    const path = join(dataDir, name);
    if ((await fileKind(path)) === "file") return path;
  }
  throw new DataError(
    `data directory ${dataDir} contains neither ${DATA_FILE_NAME} nor ${DATA_FILE_NAME}.gz`,
    dataDir,
  );
}

/** Returns the scikit-learn data home the same way sklearn.datasets.get_data_home does. */
export function scikitLearnDataHome(env: Record<string, string | undefined>, homeDir: string): string {
  const configured = env.SCIKIT_LEARN_DATA;
  const dataHome = configured !== undefined && configured !== "" ? configured : "~/scikit_learn_data";
  if (dataHome === "~") return homeDir;
  if (dataHome.startsWith("~/")) return join(homeDir, dataHome.slice(2));
  return dataHome;
}

async function loadFromScikitLearnDataHome(
  options: LoadCaliforniaHousingOptions,
  log: (message: string) => void,
): Promise<LoadedCaliforniaHousing | undefined> {
  const dataHome = scikitLearnDataHome(options.env ?? process.env, options.homeDir ?? homedir());

  const extracted = join(dataHome, ARCHIVE_ENTRY);
  if ((await fileKind(extracted)) === "file") {
    log(`loading California housing from the scikit-learn data home ${extracted}`);
    return loadFile(extracted, "scikit-learn-data-home", log);
  }

  const archivePath = join(dataHome, ARCHIVE_FILE_NAME);
  if ((await fileKind(archivePath)) === "file") {
    const archive = await readFileOrThrow(archivePath);
    const archiveSha256 = sha256Hex(archive);
    if (archiveSha256 === ARCHIVE_SHA256) {
      // NOTE: tests reach this branch only through extractDataFile, which the
      // download tests run on fixture archives, because the real archive is
      // not in the repository.
      log(`loading California housing from the scikit-learn archive ${archivePath}`);
      const entry = await extractDataFile(archive, archivePath);
      return parseBytes(entry, `${archivePath}!${ARCHIVE_ENTRY}`, "scikit-learn-data-home", log);
    }
    // A mismatch is a partial download or another file, which scikit-learn
    // would download again too, so it is skipped rather than an error.
    log(`ignoring ${archivePath}: SHA-256 ${archiveSha256}, expected ${ARCHIVE_SHA256}`);
  }

  const pickle = join(dataHome, "cal_housing_py3.pkz");
  if ((await fileKind(pickle)) === "file") {
    log(`ignoring ${pickle}: it is a joblib pickle, which trainlab cannot read`);
  }
  return undefined;
}

async function loadFile(
  path: string,
  kind: CaliforniaHousingSourceKind,
  log: (message: string) => void,
): Promise<LoadedCaliforniaHousing> {
  let bytes = await readFileOrThrow(path);
  if (path.endsWith(".gz")) bytes = await gunzipOrThrow(bytes, path);
  return parseBytes(bytes, path, kind, log);
}

function parseBytes(
  bytes: Uint8Array,
  path: string,
  kind: CaliforniaHousingSourceKind,
  log: (message: string) => void,
): LoadedCaliforniaHousing {
  const sha256 = sha256Hex(bytes);
  if (sha256 !== DATA_SHA256) {
    // The shipped copy must be the reference file, so checking it before
    // parsing turns a damaged install into one clear message. A user's own
    // copy may legitimately differ, for example a subset for a quick test.
    if (kind === "shipped") {
      throw new DataError(
        `shipped copy ${path} is corrupt (SHA-256 ${sha256}, expected ${DATA_SHA256}). Reinstall trainlab`,
        path,
      );
    }
    log(`${path} differs from the reference file (SHA-256 ${sha256}, expected ${DATA_SHA256})`);
  }
  const parsed = parseCaliforniaHousing(new TextDecoder().decode(bytes), path);
  return { ...parsed, source: { kind, path, sha256 } };
}

type FileKind = "file" | "directory" | "other" | "missing";

async function fileKind(path: string): Promise<FileKind> {
  try {
    const info = await stat(path);
    if (info.isFile()) return "file";
    if (info.isDirectory()) return "directory";
    return "other";
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return "missing";
    throw new DataError(`failed to access ${path}: ${(err as Error).message}`, path);
  }
}

async function readFileOrThrow(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new DataError(`failed to read ${path}: ${(err as Error).message}`, path);
  }
}

/** Returns the bytes of CaliforniaHousing/cal_housing.data inside a .tgz archive. */
async function extractDataFile(archive: Uint8Array, archiveName: string): Promise<Uint8Array> {
  const tar = await gunzipOrThrow(archive, archiveName);
  return readTarEntry(tar, ARCHIVE_ENTRY, archiveName);
}

const gunzipAsync = promisify(gunzip);

async function gunzipOrThrow(bytes: Uint8Array, path: string): Promise<Buffer> {
  try {
    return await gunzipAsync(bytes);
  } catch (err) {
    throw new DataError(`failed to decompress ${path}: ${(err as Error).message}`, path);
  }
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export interface DownloadCaliforniaHousingOptions {
  /** Directory to write cal_housing.data into. It is created if missing. */
  dataDir: string;
  /** Archive URL. Defaults to ARCHIVE_URL, the one scikit-learn uses. */
  url?: string;
  /** Expected SHA-256 of the archive. Defaults to ARCHIVE_SHA256. */
  archiveSha256?: string;
  /** Maximum time in milliseconds without data from the server. */
  timeoutMs?: number;
  log?: (message: string) => void;
}

/**
 * Downloads cal_housing.tgz, verifies its SHA-256, and writes the parsed and
 * validated CaliforniaHousing/cal_housing.data from it to
 * `<dataDir>/cal_housing.data`, where loadCaliforniaHousing({ dataDir }) finds
 * it. Returns the path written and the SHA-256 of the data file.
 *
 * The file appears by an atomic rename, so a failed download, a checksum
 * mismatch or a malformed archive leaves any earlier cal_housing.data and no
 * temporary files behind. Throws a DataError naming the URL on failure.
 */
export async function downloadCaliforniaHousing(
  options: DownloadCaliforniaHousingOptions,
): Promise<{ path: string; sha256: string }> {
  const url = options.url ?? ARCHIVE_URL;
  const log = options.log ?? (() => {});
  try {
    await mkdir(options.dataDir, { recursive: true });
  } catch (err) {
    throw new DataError(`failed to create data directory ${options.dataDir}: ${(err as Error).message}`, options.dataDir);
  }

  // A unique suffix keeps concurrent downloads into one directory apart.
  const suffix = `${process.pid}-${randomBytes(6).toString("hex")}`;
  const archivePath = join(options.dataDir, `${ARCHIVE_FILE_NAME}.download-${suffix}`);
  const dest = join(options.dataDir, DATA_FILE_NAME);
  const tempDest = `${dest}.tmp-${suffix}`;
  try {
    await downloadVerified({
      url,
      dest: archivePath,
      sha256: options.archiveSha256 ?? ARCHIVE_SHA256,
      decompress: "none",
      timeoutMs: options.timeoutMs,
      log,
    });
    const entry = await extractDataFile(await readFileOrThrow(archivePath), url);
    // Parsing before the rename means a malformed file never replaces a good one.
    parseCaliforniaHousing(new TextDecoder().decode(entry), `${url}!${ARCHIVE_ENTRY}`);

    try {
      await writeFile(tempDest, entry, { flag: "wx" });
      await rename(tempDest, dest);
    } catch (err) {
      throw new DataError(`failed to write ${dest}: ${(err as Error).message}`, dest);
    }
    const sha256 = sha256Hex(entry);
    log(`wrote ${dest} (SHA-256 ${sha256})`);
    return { path: dest, sha256 };
  } finally {
    await rm(archivePath, { force: true });
    await rm(tempDest, { force: true });
  }
}
