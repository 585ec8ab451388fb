/**
 * Study definitions: which variants to train on which data sets, how often,
 * and what counts as reaching the target. A definition is a YAML or JSON
 * file (or a built-in object) of the form
 *
 *   name: init-study
 *   datasets: [fashion-mnist, california-housing]
 *   defaults: { learningRate: 0.001, epochs: 20 }          # RunConfig fields
 *   datasetDefaults: { fashion-mnist: { maxTrainSamples: 5000 } }
 *   variants:                                              # or grid:
 *     - { name: default }
 *     - { name: he_normal, init: he_normal }
 *   grid: { activation: [relu, elu], init: [he_normal, glorot_uniform] }
 *   repeats: 3
 *   targets: { fashion-mnist: { metric: val_accuracy, value: 0.85 } }
 *   baseline: default                                      # optional
 *
 * Each run's description is RUN_DEFAULTS <- defaults <- datasetDefaults
 * <- variant, plus the data set, its target and seed = base seed + repeat.
 * `validateRunConfig` checks every layer on its own (so errors name the
 * layer, e.g. `variants[3].activation`) and then every merged description.
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { ConfigError, DataError } from "../errors.js";
import { DATASET_IDS, validateRunConfig, type DatasetId, type RunConfig } from "../train/run-config.js";

/** A validation-metric level that counts as "reached", e.g. val_accuracy 0.85. */
export interface StudyTarget {
  metric: string;
  value: number;
}

export interface StudyVariant {
  name: string;
  /** RunConfig fields that differ from the study's defaults. */
  overrides: Record<string, unknown>;
}

export interface StudyDefinition {
  name: string;
  description?: string;
  datasets: DatasetId[];
  defaults: Record<string, unknown>;
  datasetDefaults: Partial<Record<DatasetId, Record<string, unknown>>>;
  /** The variants in run order, with a grid expanded into them. */
  variants: StudyVariant[];
  /** The grid the variants came from, when the file used one. */
  grid?: Record<string, unknown[]>;
  /** The variant the others are compared with. @default "default" if present, else the first variant */
  baseline: string;
  /** Runs per variant and data set. @default 1 */
  repeats: number;
  targets: Partial<Record<DatasetId, StudyTarget>>;
}

/** One run of a study, with its complete, validated run description. */
export interface PlannedRun {
  /** `${dataset}/${variant}/${repeat}`, unique within a study. */
  key: string;
  dataset: DatasetId;
  variant: string;
  repeat: number;
  seed: number;
  config: RunConfig;
}

const STUDY_KEYS = [
  "name", "description", "datasets", "defaults", "datasetDefaults", "variants", "grid",
  "baseline", "repeats", "targets",
];

/** Keys the study sets itself, so defaults and variants may not. */
const STUDY_OWNED_RUN_KEYS: Record<string, string> = {
  dataset: "the study's `datasets` list",
  target: "the study's `targets` map",
};

/** Study and variant names become directory names, keys and CLI list items. */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:=+-]*$/;
const MISSING = "(missing)";
const NAME_RULE = "a name of letters, digits and _ . : = + - (no spaces, commas or slashes)";

/**
 * Validates a study definition from a file or a built-in object.
 * Throws ConfigError naming the path of the bad field, e.g.
 * `variants[3].activation` or `targets.fashion-mnist.metric`.
 */
export function validateStudyDefinition(input: unknown): StudyDefinition {
  const raw = plainObject(input, "study");
  for (const key of Object.keys(raw)) {
    if (!STUDY_KEYS.includes(key)) throw new ConfigError(key, raw[key], `a known study key: ${STUDY_KEYS.join(", ")}`);
  }

  const name = checkName(raw.name, "name");
  const datasets = checkDatasets(raw.datasets);
  const defaults = checkRunLayer(raw.defaults ?? {}, "defaults");
  const datasetDefaults = checkDatasetDefaults(raw.datasetDefaults ?? {});

  if (raw.variants !== undefined && raw.grid !== undefined) {
    throw new ConfigError("grid", raw.grid, "either `variants` or `grid`, not both");
  }
  let variants: StudyVariant[];
  let grid: Record<string, unknown[]> | undefined;
  if (raw.grid !== undefined) {
    grid = checkGrid(raw.grid);
    variants = expandGrid(grid);
  } else if (raw.variants !== undefined) {
    variants = checkVariants(raw.variants);
  } else {
    throw new ConfigError("variants", MISSING, "a list of variants, each { name, ...RunConfig overrides }, or a `grid`");
  }

  const repeats = raw.repeats ?? 1;
  if (typeof repeats !== "number" || !Number.isInteger(repeats) || repeats < 1) {
    throw new ConfigError("repeats", repeats, "an integer >= 1");
  }
  const targets = checkTargets(raw.targets ?? {});
  const baseline = checkBaseline(raw.baseline, variants);

  const definition: StudyDefinition = {
    name, datasets, defaults, datasetDefaults, variants, baseline, repeats, targets,
  };
  if (grid) definition.grid = grid;
  if (raw.description !== undefined) {
    if (typeof raw.description !== "string") throw new ConfigError("description", raw.description, "a string");
    definition.description = raw.description;
  }

  // Every layer was valid on its own, but combinations (e.g. clipnorm with
  // globalClipnorm) can still conflict, so validate each merged run.
  variants.forEach((variant, index) => {
    for (const dataset of datasets) {
      validateRunLayer(mergeRunConfig(definition, dataset, variant), variantPath(definition, index));
    }
  });
  return definition;
}

/** Reads and validates a study file: `.json` as JSON, anything else as YAML. */
export function loadStudyFile(path: string): StudyDefinition {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new DataError(`${path}: cannot read study definition: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, path);
  }
  const json = path.endsWith(".json");
  let value: unknown;
  try {
    value = json ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new DataError(`${path}: invalid ${json ? "JSON" : "YAML"}: ${(err as Error).message.split("\n")[0]}`, path);
  }
  return validateStudyDefinition(value);
}

/**
 * Converts the definition to plain JSON in the file format, for storing
 * with the results. A grid becomes its expanded `variants` list
 * (`{ name, ...overrides }`), so the JSON validates back to the same runs.
 */
export function studyDefinitionJson(definition: StudyDefinition): Record<string, unknown> {
  const json: Record<string, unknown> = { name: definition.name };
  if (definition.description !== undefined) json.description = definition.description;
  json.datasets = definition.datasets;
  json.defaults = definition.defaults;
  json.datasetDefaults = definition.datasetDefaults;
  json.variants = definition.variants.map((v) => ({ name: v.name, ...v.overrides }));
  json.baseline = definition.baseline;
  json.repeats = definition.repeats;
  json.targets = definition.targets;
  return json;
}

/** Merges the raw (unvalidated) run description of one variant on one data set, before the seed offset. */
export function mergeRunConfig(definition: StudyDefinition, dataset: DatasetId, variant: StudyVariant): Record<string, unknown> {
  const merged: Record<string, unknown> = {
    ...definition.defaults,
    ...definition.datasetDefaults[dataset],
    ...variant.overrides,
    dataset,
  };
  const target = definition.targets[dataset];
  if (target) merged.target = { ...target };
  return merged;
}

export interface PlanOptions {
  /** Overrides the definition's repeats. */
  repeats?: number;
  /** Only these data sets, in the definition's order. */
  datasets?: readonly string[];
  /** Only these variants, in the definition's order. */
  variants?: readonly string[];
  /** Overrides every run's OpenBLAS thread count. */
  threads?: number;
}

/**
 * Lists the runs of a study in run order: data set, then repeat, then
 * variant, so a study stopped early has every variant at the same number
 * of repeats. Seeds are the run's base seed plus the repeat index.
 */
export function planStudyRuns(definition: StudyDefinition, options: PlanOptions = {}): PlannedRun[] {
  const repeats = options.repeats ?? definition.repeats;
  const datasets = definition.datasets.filter((d) => !options.datasets || options.datasets.includes(d));
  const variants = definition.variants
    .map((variant, index) => ({ variant, index }))
    .filter(({ variant }) => !options.variants || options.variants.includes(variant.name));
  const runs: PlannedRun[] = [];
  for (const dataset of datasets) {
    for (let repeat = 0; repeat < repeats; repeat++) {
      for (const { variant, index } of variants) {
        const merged = mergeRunConfig(definition, dataset, variant);
        if (options.threads !== undefined) merged.threads = options.threads;
        const base = validateRunLayer(merged, variantPath(definition, index));
        const config = validateRunLayer({ ...merged, seed: base.seed + repeat }, variantPath(definition, index));
        runs.push({
          key: `${dataset}/${variant.name}/${repeat}`,
          dataset,
          variant: variant.name,
          repeat,
          seed: config.seed,
          config,
        });
      }
    }
  }
  return runs;
}

function variantPath(definition: StudyDefinition, index: number): string {
  return definition.grid ? `grid variant ${definition.variants[index]!.name}` : `variants[${index}]`;
}

function plainObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(field, value, "an object");
  }
  return value as Record<string, unknown>;
}

function checkName(value: unknown, field: string): string {
  if (typeof value !== "string" || !NAME_PATTERN.test(value)) throw new ConfigError(field, value ?? MISSING, NAME_RULE);
  return value;
}

function checkDatasets(value: unknown): DatasetId[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new ConfigError("datasets", value ?? MISSING, `a non-empty list of ${DATASET_IDS.join(", ")}`);
  }
  const seen = new Set<string>();
  return value.map((item, index) => {
    if (!DATASET_IDS.includes(item as DatasetId)) {
      throw new ConfigError(`datasets[${index}]`, item, `one of ${DATASET_IDS.join(", ")}`);
    }
    if (seen.has(item as string)) throw new ConfigError(`datasets[${index}]`, item, "each data set once");
    seen.add(item as string);
    return item as DatasetId;
  });
}

/** Checks a partial run description (defaults, dataset defaults or a variant) and returns a copy. */
function checkRunLayer(value: unknown, path: string): Record<string, unknown> {
  const layer = { ...plainObject(value, path) };
  for (const key of Object.keys(layer)) {
    const owner = STUDY_OWNED_RUN_KEYS[key];
    if (owner) throw new ConfigError(`${path}.${key}`, layer[key], `no \`${key}\` here: it comes from ${owner}`);
  }
  validateRunLayer(layer, path);
  return layer;
}

/**
 * validateRunConfig with `path` in front of every error field, including
 * fields of checks that do not take the prefix themselves.
 */
function validateRunLayer(layer: Record<string, unknown>, path: string): RunConfig {
  try {
    return validateRunConfig(layer, path);
  } catch (err) {
    if (!(err instanceof ConfigError) || err.field === path || err.field.startsWith(`${path}.`)) throw err;
    throw new ConfigError(`${path}.${err.field}`, err.value, err.allowed);
  }
}

function checkDatasetDefaults(value: unknown): Partial<Record<DatasetId, Record<string, unknown>>> {
  const raw = plainObject(value, "datasetDefaults");
  const result: Partial<Record<DatasetId, Record<string, unknown>>> = {};
  for (const [dataset, layer] of Object.entries(raw)) {
    if (!DATASET_IDS.includes(dataset as DatasetId)) {
      throw new ConfigError(`datasetDefaults.${dataset}`, layer, `a data set key: ${DATASET_IDS.join(", ")}`);
    }
    result[dataset as DatasetId] = checkRunLayer(layer, `datasetDefaults.${dataset}`);
  }
  return result;
}

function checkVariants(value: unknown): StudyVariant[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new ConfigError("variants", value, "a non-empty list of variants, each { name, ...RunConfig overrides }");
  }
  const names = new Set<string>();
  return value.map((item, index) => {
    const path = `variants[${index}]`;
    const { name, ...overrides } = plainObject(item, path);
    const checked = checkName(name, `${path}.name`);
    if (names.has(checked)) throw new ConfigError(`${path}.name`, checked, "a name no other variant uses");
    names.add(checked);
    return { name: checked, overrides: checkRunLayer(overrides, path) };
  });
}

function checkGrid(value: unknown): Record<string, unknown[]> {
  const raw = plainObject(value, "grid");
  if (Object.keys(raw).length === 0) throw new ConfigError("grid", raw, "at least one key with a list of values");
  const grid: Record<string, unknown[]> = {};
  for (const [key, values] of Object.entries(raw)) {
    const path = `grid.${key}`;
    if (!Array.isArray(values) || values.length === 0) throw new ConfigError(path, values, "a non-empty list of values");
    const owner = STUDY_OWNED_RUN_KEYS[key];
    if (owner) throw new ConfigError(path, values, `no \`${key}\` here: it comes from ${owner}`);
    values.forEach((v, index) => {
      try {
        validateRunConfig({ [key]: v });
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        const rest = err.field.startsWith(key) ? err.field.slice(key.length) : `.${err.field}`;
        throw new ConfigError(`${path}[${index}]${rest}`, err.value, err.allowed);
      }
    });
    grid[key] = values;
  }
  return grid;
}

/** Expands a grid into its Cartesian product; names read `activation=elu+init=he_normal`. */
function expandGrid(grid: Record<string, unknown[]>): StudyVariant[] {
  let variants: StudyVariant[] = [{ name: "", overrides: {} }];
  for (const [key, values] of Object.entries(grid)) {
    const next: StudyVariant[] = [];
    for (const variant of variants) {
      for (const value of values) {
        const text = typeof value === "string" ? value : JSON.stringify(value);
        const part = `${key}=${text}`;
        next.push({ name: variant.name ? `${variant.name}+${part}` : part, overrides: { ...variant.overrides, [key]: value } });
      }
    }
    variants = next;
  }
  const names = new Set<string>();
  for (const variant of variants) {
    if (!NAME_PATTERN.test(variant.name)) {
      throw new ConfigError("grid", variant.name, `values that form valid variant names: ${NAME_RULE}`);
    }
    if (names.has(variant.name)) throw new ConfigError("grid", variant.name, "distinct values per key");
    names.add(variant.name);
  }
  return variants;
}

function checkTargets(value: unknown): Partial<Record<DatasetId, StudyTarget>> {
  const raw = plainObject(value, "targets");
  const targets: Partial<Record<DatasetId, StudyTarget>> = {};
  for (const [dataset, target] of Object.entries(raw)) {
    const path = `targets.${dataset}`;
    if (!DATASET_IDS.includes(dataset as DatasetId)) {
      throw new ConfigError(path, target, `a data set key: ${DATASET_IDS.join(", ")}`);
    }
    try {
      const checked = validateRunConfig({ target }).target!;
      targets[dataset as DatasetId] = { metric: checked.metric, value: checked.value };
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      throw new ConfigError(path + err.field.slice("target".length), err.value, err.allowed);
    }
  }
  return targets;
}

function checkBaseline(value: unknown, variants: StudyVariant[]): string {
  const names = variants.map((v) => v.name);
  if (value === undefined) return names.includes("default") ? "default" : names[0]!;
  if (typeof value !== "string" || !names.includes(value)) {
    throw new ConfigError("baseline", value, `the name of a variant: ${names.slice(0, 20).join(", ")}${names.length > 20 ? ", ..." : ""}`);
  }
  return value;
}

