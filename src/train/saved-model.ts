/**
 * A trained model on disk: the run description, every weight (trainable and
 * moving statistics) as base64 float32, and the input preprocessing (pixel
 * scale, fitted standard scaler), so `predict` takes raw features.
 *
 * The file is JSON: { format: "trainlab-model", version: 1, config,
 * inputSize, outputs, classNames?, inputScale, scaler?, weights: [{ name,
 * shape, data }] }. It is written atomically.
 */
import { readFileSync } from "node:fs";
import type { Backend } from "../engine/backend.js";
import { Rng } from "../engine/rng.js";
import { DataError } from "../errors.js";
import { StandardScaler, type StandardScalerJSON } from "../data/scaler.js";
import type { Sequential } from "../nn/sequential.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { buildModel } from "./build-model.js";
import { validateRunConfig, type RunConfig } from "./run-config.js";

const FORMAT = "trainlab-model";
const VERSION = 1;

interface SavedModelJSON {
  format: typeof FORMAT;
  version: number;
  config: RunConfig;
  inputSize: number;
  outputs: number;
  classNames?: readonly string[];
  /** Factor applied to raw features before the scaler (1/255 for pixels). */
  inputScale: number;
  scaler?: StandardScalerJSON;
  weights: { name: string; shape: readonly number[]; data: string }[];
}

/** A loaded model with its preprocessing. */
export interface SavedModel {
  config: RunConfig;
  model: Sequential;
  classNames?: readonly string[];
  /** Preprocesses raw feature rows (count x inputSize) and returns model outputs. */
  predictRaw(features: Float32Array): Float32Array;
}

export interface SaveModelArgs {
  path: string;
  config: RunConfig;
  model: Sequential;
  inputScale: number;
  scaler?: StandardScaler;
  classNames?: readonly string[];
}

export function saveModel(args: SaveModelArgs): void {
  const json: SavedModelJSON = {
    format: FORMAT,
    version: VERSION,
    config: args.config,
    inputSize: args.model.inputSize,
    outputs: args.model.outputSize,
    classNames: args.classNames,
    inputScale: args.inputScale,
    scaler: args.scaler?.toJSON(),
    weights: args.model.weights.map((w) => ({
      name: w.name,
      shape: w.shape,
      data: Buffer.from(w.value.buffer, w.value.byteOffset, w.value.byteLength).toString("base64"),
    })),
  };
  writeFileAtomic(args.path, `${JSON.stringify(json)}\n`);
}

export function loadModel(path: string, backend: Backend): SavedModel {
  let json: SavedModelJSON;
  try {
    json = JSON.parse(readFileSync(path, "utf8")) as SavedModelJSON;
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new DataError(`${path}: cannot read model: ${reason}`, path);
  }
  if (json?.format !== FORMAT || json.version !== VERSION) {
    throw new DataError(`${path}: not a trainlab model file (expected format "${FORMAT}" version ${VERSION})`, path);
  }
  const config = validateRunConfig(json.config, "model.config");
  const model = buildModel(config, json.inputSize, json.outputs, backend, new Rng(config.seed));
  if (json.weights.length !== model.weights.length) {
    throw new DataError(`${path}: has ${json.weights.length} weights, the model needs ${model.weights.length}`, path);
  }
  model.setWeights(
    json.weights.map((w, i) => {
      const bytes = Buffer.from(w.data, "base64");
      if (bytes.length !== model.weights[i]!.size * 4) {
        throw new DataError(`${path}: weight ${w.name} has ${bytes.length / 4} values, expected ${model.weights[i]!.size}`, path);
      }
      return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    }),
  );
  const scaler = json.scaler ? StandardScaler.fromJSON(json.scaler) : undefined;
  return {
    config,
    model,
    classNames: json.classNames,
    predictRaw(features) {
      const x = features.slice();
      if (json.inputScale !== 1) for (let i = 0; i < x.length; i++) x[i] = x[i]! * json.inputScale;
      if (scaler) scaler.transformInPlace(x);
      return model.predict(x);
    },
  };
}
