/**
 * `trainlab predict MODEL --input FILE`: predictions for raw feature rows
 * from a model saved by `train --save-model`. Input rows are CSV with the
 * training features in order (California housing: MedInc, HouseAge,
 * AveRooms, AveBedrms, Population, AveOccup, Latitude, Longitude;
 * Fashion-MNIST: 784 pixel values 0..255); a non-numeric first line is a
 * header and is skipped.
 */
import { readFileSync } from "node:fs";
import { ConfigError, DataError } from "../errors.js";
import { createBackend } from "../engine/index.js";
import { loadModel } from "../train/saved-model.js";
import type { Logger } from "./logger.js";
import { formatOptions, parseOptions, type OptionSpec } from "./options.js";

const OPTIONS: readonly OptionSpec[] = [
  { name: "input", type: "string", placeholder: "FILE", help: "CSV of raw feature rows, one sample per line" },
  { name: "json", type: "boolean", help: "print one JSON object per row instead of text" },
  { name: "help", type: "boolean", short: "h", help: "show this help" },
];

const USAGE = `Usage: trainlab predict MODEL --input FILE [--json]

Prints a prediction for each row of FILE with a model saved by
\`trainlab train --save-model MODEL\`. Rows hold raw features; the model's
own input scaling and standardization are applied.

Options:
${formatOptions(OPTIONS)}`;

export async function predictCommand(argv: string[], logger: Logger): Promise<number> {
  const { values, positionals } = parseOptions(argv, OPTIONS);
  if (values.help) {
    logger.info(USAGE);
    return 0;
  }
  const [modelPath, ...extra] = positionals;
  if (!modelPath) throw new ConfigError("MODEL", "(missing)", "a model file saved by train --save-model");
  if (extra.length > 0) throw new ConfigError("argument", extra[0], "one MODEL path");
  if (values.input === undefined) throw new ConfigError("--input", "(missing)", "a CSV file of feature rows");

  const saved = loadModel(modelPath, createBackend({ warn: logger.warn }));
  const width = saved.model.inputSize;
  const rows = readRows(String(values.input), width);
  const outputs = saved.predictRaw(rows);
  const k = saved.model.outputSize;
  for (let i = 0; i < rows.length / width; i++) {
    const out = outputs.subarray(i * k, (i + 1) * k);
    if (saved.classNames) {
      let best = 0;
      for (let j = 1; j < k; j++) if (out[j]! > out[best]!) best = j;
      const row = { row: i + 1, class: best, name: saved.classNames[best], probability: out[best] };
      logger.info(values.json ? JSON.stringify(row) : `${i + 1}: ${row.class} ${row.name} (p=${row.probability!.toFixed(4)})`);
    } else {
      const value = out[0]!;
      // The housing target is in units of $100,000.
      const row = { row: i + 1, prediction: value, dollars: Math.round(value * 100_000) };
      logger.info(values.json ? JSON.stringify(row) : `${i + 1}: ${value.toFixed(4)} ($${row.dollars.toLocaleString("en-US")})`);
    }
  }
  return 0;
}

/** Reads numeric CSV rows of `width` values; a non-numeric first line is a header. */
function readRows(path: string, width: number): Float32Array {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new DataError(`${path}: cannot read input: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, path);
  }
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const values: number[] = [];
  lines.forEach((line, index) => {
    if (line === "") return;
    const fields = line.split(",");
    if (index === 0 && fields.some((f) => Number.isNaN(Number(f)))) return;
    if (fields.length !== width) {
      throw new DataError(`${path}: line ${index + 1}: ${fields.length} values, the model takes ${width}`, path);
    }
    fields.forEach((field, column) => {
      const value = Number(field);
      if (field.trim() === "" || !Number.isFinite(value)) {
        throw new DataError(`${path}: line ${index + 1}, column ${column + 1}: ${JSON.stringify(field)} is not a finite number`, path);
      }
      values.push(value);
    });
  });
  if (values.length === 0) throw new DataError(`${path}: no feature rows`, path);
  return Float32Array.from(values);
}
