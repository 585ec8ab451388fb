/**
 * Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017,
 * https://github.com/zalandoresearch/fashion-mnist): 60,000 training and
 * 10,000 test grayscale 28x28 images of Zalando articles in 10 classes, stored
 * as four IDX files in the format of MNIST.
 *
 * This module finds the files on disk, downloads them into the user cache when
 * no local copy exists, and decodes them into float32 arrays for training.
 */
import { stat, readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { ConfigError, DataError } from "../errors.js";
import { userCacheDir } from "./cache-dir.js";
import { downloadVerified, parseHttpUrl } from "./download.js";
import { checkSameCount, parseIdxImages, parseIdxLabels } from "./idx.js";

/** Base names of the four files, without the optional `.gz` suffix. */
export type FashionMnistFileName =
  | "train-images-idx3-ubyte"
  | "train-labels-idx1-ubyte"
  | "t10k-images-idx3-ubyte"
  | "t10k-labels-idx1-ubyte";

export const FASHION_MNIST_FILE_NAMES: readonly FashionMnistFileName[] = [
  "train-images-idx3-ubyte",
  "train-labels-idx1-ubyte",
  "t10k-images-idx3-ubyte",
  "t10k-labels-idx1-ubyte",
];

/**
 * SHA-256 of each file after decompression. Downloads are checked against it
 * (sizes 47,040,016, 60,008, 7,840,016 and 10,008 bytes). Hashes of the .gz
 * files would not do, because the Debian package dataset-fashion-mnist
 * recompressed them.
 */
export const FASHION_MNIST_SHA256: Readonly<Record<FashionMnistFileName, string>> = {
  "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
  "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
  "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
  "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
};

/** Class names indexed by label. */
export const FASHION_MNIST_CLASS_NAMES: readonly string[] = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];

/**
 * Download location given in the Fashion-MNIST README. It is plain HTTP, so
 * the SHA-256 check is what protects the downloaded files.
 */
export const DEFAULT_FASHION_MNIST_MIRROR = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";

/** Directory of the Debian package dataset-fashion-mnist. */
export const DEBIAN_FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

const IMAGE_ROWS = 28;
const IMAGE_COLS = 28;

/** Options that control where the files are looked for. */
export interface LocateFashionMnistOptions {
  /** Directory that must contain the files. It overrides TRAINLAB_DATA_DIR and all default locations. */
  dataDir?: string;
  /** Environment read for TRAINLAB_DATA_DIR, XDG_CACHE_HOME and TRAINLAB_FASHION_MNIST_MIRROR. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Home directory for ~/.cache and ~/.keras. Default os.homedir(). */
  homeDir?: string;
  /** Last directory searched. Default DEBIAN_FASHION_MNIST_DIR, and tests point it elsewhere. */
  systemDir?: string;
}

/** Source of a directory in the search order. */
export type FashionMnistOrigin = "option" | "env" | "user-cache" | "keras-cache" | "system";

/** A directory that contains all four files. */
export interface FashionMnistLocation {
  dir: string;
  origin: FashionMnistOrigin;
  /** Path of each file, raw or `.gz`. */
  files: Record<FashionMnistFileName, string>;
}

/** Options for loadFashionMnist. */
export interface LoadFashionMnistOptions extends LocateFashionMnistOptions {
  /** Whether to download the files into the user cache when no local copy is found. Default true. */
  download?: boolean;
  /** Base URL of the download mirror. Default TRAINLAB_FASHION_MNIST_MIRROR, else DEFAULT_FASHION_MNIST_MIRROR. */
  mirror?: string;
  /** Expected SHA-256 of each downloaded file after decompression. Default FASHION_MNIST_SHA256. */
  checksums?: Readonly<Record<FashionMnistFileName, string>>;
  /** Factor applied to each pixel value 0..255. Default 1/255, which maps pixels to [0, 1]. */
  scale?: number;
  /** Receives progress lines: the directory used and each download. */
  log?: (line: string) => void;
}

/** The decoded dataset. */
export interface FashionMnist {
  /** count * rows * cols pixel values (60,000 images in the published set), one image after another, each row-major. */
  trainImages: Float32Array;
  /** Class index 0..9 of each training image. */
  trainLabels: Int32Array;
  /** Test pixel values (10,000 images in the published set), laid out like trainImages. */
  testImages: Float32Array;
  testLabels: Int32Array;
  rows: number;
  cols: number;
  classNames: string[];
  /** The directory the files were read from, or "downloaded to DIR". */
  source: string;
}

/** One split decoded from an image file and a label file. */
interface Split {
  images: Float32Array;
  labels: Int32Array;
}

/** A directory in the search order. */
interface Candidate {
  dir: string;
  origin: FashionMnistOrigin;
}

/** Returns the directory that downloads are saved to, `<user cache>/datasets/fashion-mnist`. */
export function fashionMnistCacheDir(env: NodeJS.ProcessEnv = process.env, homeDir: string = homedir()): string {
  return join(userCacheDir(env, homeDir), "datasets", "fashion-mnist");
}

/**
 * Finds a directory containing all four files. The search order is:
 *   1. `dataDir`, else TRAINLAB_DATA_DIR,
 *   2. the user cache (fashionMnistCacheDir),
 *   3. the Keras cache `~/.keras/datasets/fashion-mnist`,
 *   4. `systemDir`, by default the Debian package directory.
 *
 * Throws DataError when `dataDir` or TRAINLAB_DATA_DIR names a directory that
 * does not exist or lacks a file, because silently using other data than the
 * user named would be worse than stopping. Default locations that are missing
 * or incomplete are skipped. Returns null when no default location is complete.
 */
export async function locateFashionMnist(options: LocateFashionMnistOptions = {}): Promise<FashionMnistLocation | null> {
  const env = options.env ?? process.env;
  const named = namedDir(options.dataDir, env);
  if (named !== undefined) {
    return await locateInNamedDir(named);
  }

  for (const candidate of defaultCandidates(options)) {
    const found = await findFiles(candidate.dir);
    if (found.missing.length === 0) {
      return { ...candidate, files: found.files };
    }
  }
  return null;
}

/**
 * Loads Fashion-MNIST, downloading it into the user cache first when
 * `locateFashionMnist` finds no local copy and `download` is not false.
 *
 * Local files are checked for IDX structure only, because hashing 55 MB on
 * every run is too slow for a check that downloads already pass. Throws
 * DataError for missing, invalid or mismatched files and failed downloads,
 * and ConfigError for an invalid scale or mirror.
 */
export async function loadFashionMnist(options: LoadFashionMnistOptions = {}): Promise<FashionMnist> {
  const scale = options.scale ?? 1 / 255;
  if (!Number.isFinite(scale) || scale <= 0) {
    throw new ConfigError("scale", scale, "a finite number greater than 0");
  }
  const log = options.log ?? (() => {});

  let location = await locateFashionMnist(options);
  let source: string;
  if (location !== null) {
    source = location.dir;
    log(`reading Fashion-MNIST from ${location.dir}`);
  } else {
    location = await downloadMissingFiles(options, log);
    source = `downloaded to ${location.dir}`;
  }

  const train = await readSplit(location.files["train-images-idx3-ubyte"], location.files["train-labels-idx1-ubyte"], scale);
  const test = await readSplit(location.files["t10k-images-idx3-ubyte"], location.files["t10k-labels-idx1-ubyte"], scale);
  return {
    trainImages: train.images,
    trainLabels: train.labels,
    testImages: test.images,
    testLabels: test.labels,
    rows: IMAGE_ROWS,
    cols: IMAGE_COLS,
    classNames: [...FASHION_MNIST_CLASS_NAMES],
    source,
  };
}

/** Returns the user's explicit directory, from the option or else the environment. */
function namedDir(dataDir: string | undefined, env: NodeJS.ProcessEnv): Candidate | undefined {
  if (dataDir !== undefined) {
    return { dir: resolve(dataDir), origin: "option" };
  }
  const fromEnv = env.TRAINLAB_DATA_DIR;
  if (fromEnv !== undefined && fromEnv !== "") {
    return { dir: resolve(fromEnv), origin: "env" };
  }
  return undefined;
}

function defaultCandidates(options: LocateFashionMnistOptions): Candidate[] {
  const env = options.env ?? process.env;
  const home = options.homeDir ?? homedir();
  return [
    { dir: fashionMnistCacheDir(env, home), origin: "user-cache" },
    { dir: join(home, ".keras", "datasets", "fashion-mnist"), origin: "keras-cache" },
    { dir: options.systemDir ?? DEBIAN_FASHION_MNIST_DIR, origin: "system" },
  ];
}

async function locateInNamedDir(named: Candidate): Promise<FashionMnistLocation> {
  const label = named.origin === "env" ? `${named.dir} (from TRAINLAB_DATA_DIR)` : named.dir;
  let info;
  try {
    info = await stat(named.dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const problem = code === "ENOENT" ? "does not exist" : `cannot be read: ${(err as Error).message}`;
    throw new DataError(`Fashion-MNIST directory ${label} ${problem}`, named.dir);
  }
  if (!info.isDirectory()) {
    throw new DataError(`Fashion-MNIST directory ${label} is not a directory`, named.dir);
  }

  const found = await findFiles(named.dir);
  if (found.missing.length > 0) {
    throw new DataError(
      `Fashion-MNIST directory ${label} is missing ${found.missing.join(", ")} (each may be raw or .gz)`,
      named.dir,
    );
  }
  return { ...named, files: found.files };
}

/**
 * Looks for each file in `dir`, preferring the raw file over `.gz` because it
 * loads without decompression. Returns the paths found and the names missing.
 */
async function findFiles(dir: string): Promise<{ files: Record<FashionMnistFileName, string>; missing: FashionMnistFileName[] }> {
  const files = {} as Record<FashionMnistFileName, string>;
  const missing: FashionMnistFileName[] = [];
  for (const name of FASHION_MNIST_FILE_NAMES) {
    const raw = join(dir, name);
    const gz = `${raw}.gz`;
    if (await isFile(raw)) {
      files[name] = raw;
    } else if (await isFile(gz)) {
      files[name] = gz;
    } else {
      missing.push(name);
    }
  }
  return { files, missing };
}

async function isFile(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  return info !== undefined && info.isFile();
}

/**
 * Downloads the files that the user cache lacks, keeping those it has, and
 * returns the cache as a complete location.
 */
async function downloadMissingFiles(options: LoadFashionMnistOptions, log: (line: string) => void): Promise<FashionMnistLocation> {
  const env = options.env ?? process.env;
  const cacheDir = fashionMnistCacheDir(env, options.homeDir ?? homedir());

  if (options.download === false) {
    const searched = defaultCandidates(options).map((candidate) => candidate.dir);
    throw new DataError(
      `Fashion-MNIST not found in ${searched.join(", ")}, and downloading is disabled. ` +
        "Set TRAINLAB_DATA_DIR to a directory with the four files, or allow the download",
    );
  }

  const mirror = mirrorBaseUrl(options.mirror, env);
  const checksums = options.checksums ?? FASHION_MNIST_SHA256;
  const found = await findFiles(cacheDir);
  for (const name of found.missing) {
    const url = new URL(`${name}.gz`, mirror).href;
    const dest = join(cacheDir, `${name}.gz`);
    try {
      await downloadVerified({ url, dest, sha256: checksums[name], decompress: "gzip", log });
    } catch (err) {
      if (!(err instanceof DataError)) throw err;
      throw new DataError(
        `${err.message}. Set TRAINLAB_FASHION_MNIST_MIRROR to another mirror, or put the four files in ${cacheDir}`,
        err.path,
      );
    }
    found.files[name] = dest;
  }
  return { dir: cacheDir, origin: "user-cache", files: found.files };
}

/** Returns the mirror URL with a trailing slash, so file names resolve below it. */
function mirrorBaseUrl(option: string | undefined, env: NodeJS.ProcessEnv): URL {
  const fromEnv = env.TRAINLAB_FASHION_MNIST_MIRROR;
  const useEnv = option === undefined && fromEnv !== undefined && fromEnv !== "";
  const field = useEnv ? "TRAINLAB_FASHION_MNIST_MIRROR" : "mirror";
  const value = option ?? (useEnv ? fromEnv : DEFAULT_FASHION_MNIST_MIRROR);

  const url = parseHttpUrl(value, field);
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return url;
}

/** Reads one image file and its label file into float32 pixels and int32 labels. */
async function readSplit(imagesPath: string, labelsPath: string, scale: number): Promise<Split> {
  const labelFile = parseIdxLabels(await readDataFile(labelsPath), labelsPath);
  const imageFile = parseIdxImages(await readDataFile(imagesPath), imagesPath);
  checkSameCount(imageFile, labelFile, imagesPath, labelsPath);

  if (imageFile.rows !== IMAGE_ROWS || imageFile.cols !== IMAGE_COLS) {
    throw new DataError(
      `${imagesPath}: images are ${imageFile.rows}x${imageFile.cols}, expected ${IMAGE_ROWS}x${IMAGE_COLS} for Fashion-MNIST`,
      imagesPath,
    );
  }

  // Converting straight from the decoded bytes allocates the float32 array
  // once; the byte buffers become garbage when this function returns.
  const pixels = imageFile.pixels;
  const images = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) {
    images[i] = pixels[i] * scale;
  }

  const classCount = FASHION_MNIST_CLASS_NAMES.length;
  const labels = new Int32Array(labelFile.count);
  for (let i = 0; i < labelFile.count; i++) {
    const label = labelFile.labels[i];
    if (label >= classCount) {
      throw new DataError(`${labelsPath}: label ${label} at index ${i} is outside 0..${classCount - 1}`, labelsPath);
    }
    labels[i] = label;
  }
  return { images, labels };
}

async function readDataFile(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new DataError(`${path}: failed to read: ${detail}`, path);
  }
}
