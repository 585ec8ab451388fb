/**
 * The built-in studies, written in the study file format and validated like
 * any file.
 *
 * `reference` is the classic initialization, activation, batch
 * normalization and clipping comparison of a 300-100-50-50-50 MLP on
 * Fashion-MNIST and on California housing. Every run uses plain SGD with
 * learning rate 1e-3, batch 32 and 20 epochs. Fashion-MNIST pixels are
 * divided by 255, and housing features are standardized. `quick` runs the
 * same variants for 2 epochs on subsets, for smoke tests and CI.
 */
import { validateStudyDefinition, type StudyDefinition } from "./definition.js";

const VARIANTS: Record<string, unknown>[] = [
  { name: "default", activation: "relu", init: "glorot_uniform" },
  { name: "no_activation", activation: "linear" },
  { name: "zeros_init", init: "zeros" },
  { name: "ones_init", init: "ones" },
  { name: "he_normal", init: "he_normal" },
  { name: "variance_scaling", init: "variance_scaling:2:fan_avg:uniform" },
  { name: "leaky_relu", activation: "leaky_relu:0.01", init: "he_normal" },
  { name: "rrelu", activation: "rrelu", init: "he_normal" },
  { name: "elu", activation: "elu", init: "he_normal" },
  // SELU self-normalizes only with standardized inputs and LeCun normal weights.
  { name: "selu", activation: "selu", init: "lecun_normal", standardize: true },
  { name: "batch_norm_after", batchNorm: "after" },
  { name: "batch_norm_before", batchNorm: "before" },
  { name: "clipnorm", clipnorm: 1.0 },
  { name: "global_clipnorm", globalClipnorm: 1.0 },
];

const SHARED_DEFAULTS = {
  hidden: [300, 100, 50, 50, 50],
  activation: "relu",
  init: "glorot_uniform",
  batchNorm: "none",
  optimizer: "sgd",
  learningRate: 1e-3,
  batchSize: 32,
  epochs: 20,
  // Fashion-MNIST pixels are only divided by 255. The data layer always
  // standardizes housing features.
  standardize: false,
  seed: 42,
  evaluateTest: true,
};

// History keys: `val_accuracy` for Fashion-MNIST, `val_mse` (equal to
// `val_loss` under the MSE loss) for housing.
const TARGETS = {
  "fashion-mnist": { metric: "val_accuracy", value: 0.85 },
  "california-housing": { metric: "val_mse", value: 0.4 },
};

const REFERENCE = {
  name: "reference",
  description:
    "Initializers, activations, batch normalization and gradient clipping " +
    "compared with plain SGD (lr 1e-3, batch 32, 20 epochs) on Fashion-MNIST and California housing.",
  datasets: ["fashion-mnist", "california-housing"],
  defaults: SHARED_DEFAULTS,
  variants: VARIANTS,
  baseline: "default",
  repeats: 1,
  targets: TARGETS,
};

const QUICK = {
  ...REFERENCE,
  name: "quick",
  description: "The reference study's variants for 2 epochs on subsets: a smoke test, not a measurement.",
  defaults: { ...SHARED_DEFAULTS, epochs: 2 },
  datasetDefaults: {
    "fashion-mnist": { maxTrainSamples: 5000 },
    "california-housing": { maxTrainSamples: 3000 },
  },
};

const BUILTIN_SOURCES: Record<string, unknown> = { reference: REFERENCE, quick: QUICK };

export const BUILTIN_STUDY_NAMES: readonly string[] = Object.keys(BUILTIN_SOURCES);

/** Returns the validated built-in study, or undefined for an unknown name. */
export function builtinStudy(name: string): StudyDefinition | undefined {
  if (!Object.hasOwn(BUILTIN_SOURCES, name)) return undefined;
  return validateStudyDefinition(structuredClone(BUILTIN_SOURCES[name]));
}
