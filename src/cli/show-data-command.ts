/**
 * `trainlab show-data fashion-mnist --out grid.png`: writes a 5x5 grid of
 * training images, upscaled, with each class name drawn below its image in
 * a built-in bitmap font, and prints the class names row by row.
 */
import { loadFashionMnist } from "../data/fashion-mnist.js";
import { ConfigError } from "../errors.js";
import { GRID_SIZE, gridLabels, renderGridPng, selectGridIndices } from "../report/image-grid.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import type { Logger } from "./logger.js";
import { formatOptions, parseOptions, type OptionSpec } from "./options.js";

export const SHOW_DATA_OPTIONS: readonly OptionSpec[] = [
  { name: "out", type: "string", placeholder: "FILE", help: "PNG file to write (required)" },
  { name: "seed", type: "integer", placeholder: "N", help: "show a random sample of 25 training images drawn with this seed instead of the first 25" },
  { name: "scale", type: "integer", placeholder: "N", unit: "output pixels per image pixel", defaultText: "3", help: "upscaling factor, 1 to 16" },
  { name: "data-dir", type: "string", placeholder: "DIR", help: "directory with the data files (else TRAINLAB_DATA_DIR, caches, system copies, then a download)" },
  { name: "quiet", type: "boolean", help: "print only warnings and errors" },
  { name: "help", type: "boolean", short: "h", help: "show this help" },
];

export const SHOW_DATA_USAGE = `Usage: trainlab show-data fashion-mnist --out FILE [options]

Writes a 5x5 grid of Fashion-MNIST training images as a grayscale PNG:
the first 25 images, or 25 sampled with --seed. Each image is upscaled
(nearest neighbor) and its class name is drawn below it in a 5x9 bitmap
font. The class names are also printed, one grid row per line.

Options:
${formatOptions(SHOW_DATA_OPTIONS)}`;

export async function showDataCommand(argv: string[], logger: Logger): Promise<number> {
  const { values, positionals } = parseOptions(argv, SHOW_DATA_OPTIONS);
  if (values.help) {
    logger.info(SHOW_DATA_USAGE);
    return 0;
  }
  const [dataset, extra] = positionals;
  if (dataset === undefined) throw new ConfigError("arguments", "(none)", "a data set, as in `trainlab show-data fashion-mnist --out grid.png`");
  if (dataset !== "fashion-mnist") throw new ConfigError("data set", dataset, "fashion-mnist, the only image data set");
  if (extra !== undefined) throw new ConfigError("argument", extra, "one data set only");
  if (values.out === undefined) throw new ConfigError("--out", "(missing)", "a PNG file to write, e.g. --out grid.png");
  const out = String(values.out);
  const seed = values.seed as number | undefined;
  if (seed !== undefined && (seed < 0 || seed > 0xffffffff)) throw new ConfigError("--seed", seed, "an integer from 0 to 4294967295");
  const scale = (values.scale as number | undefined) ?? 3;
  if (scale < 1 || scale > 16) throw new ConfigError("--scale", scale, "an integer from 1 to 16");

  const info = values.quiet ? () => {} : logger.info;
  const data = await loadFashionMnist({ dataDir: values["data-dir"] as string | undefined, log: info });
  const images = { images: data.trainImages, labels: data.trainLabels, rows: data.rows, cols: data.cols, classNames: data.classNames };
  const indices = selectGridIndices(data.trainLabels.length, GRID_SIZE * GRID_SIZE, seed);
  const png = renderGridPng(images, indices, scale);
  writeFileAtomic(out, png);

  const labels = gridLabels(images, indices);
  info(`wrote ${out}: training images ${seed === undefined ? "0 to 24" : `sampled with seed ${seed}`}, ${scale}x, class names drawn below each image`);
  for (let row = 0; row < GRID_SIZE; row++) {
    const cells = indices.slice(row * GRID_SIZE, (row + 1) * GRID_SIZE).map((index, i) => `${labels[row * GRID_SIZE + i]} (#${index})`);
    info(`row ${row + 1}: ${cells.join(", ")}`);
  }
  return 0;
}
