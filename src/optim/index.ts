/** Creates an optimizer from its Keras id and options. */
import { ConfigError } from "../errors.js";
import { Adagrad, type AdagradConfig } from "./adagrad.js";
import { Adam, type AdamConfig } from "./adam.js";
import { checkLearningRate } from "./checks.js";
import { Nadam, type NadamConfig } from "./nadam.js";
import type { Optimizer, OptimizerId } from "./optimizer.js";
import { RMSprop, type RmspropConfig } from "./rmsprop.js";
import { SGD, type SgdConfig } from "./sgd.js";

export const OPTIMIZER_IDS: readonly OptimizerId[] = ["sgd", "adam", "nadam", "rmsprop", "adagrad"];

export type OptimizerConfig =
  | ({ id: "sgd" } & SgdConfig)
  | ({ id: "adam" } & AdamConfig)
  | ({ id: "nadam" } & NadamConfig)
  | ({ id: "rmsprop" } & RmspropConfig)
  | ({ id: "adagrad" } & AdagradConfig);

export function createOptimizer(config: OptimizerConfig): Optimizer {
  if (config.learningRate !== undefined) checkLearningRate(config.learningRate);
  switch (config.id) {
    case "sgd":
      return new SGD(config);
    case "adam":
      return new Adam(config);
    case "nadam":
      return new Nadam(config);
    case "rmsprop":
      return new RMSprop(config);
    case "adagrad":
      return new Adagrad(config);
    default:
      throw new ConfigError(
        "optimizer",
        (config as { id: unknown }).id,
        `one of ${OPTIMIZER_IDS.join(", ")}`,
      );
  }
}

export { Optimizer, type OptimizerId, type Parameters } from "./optimizer.js";
export { SGD, Adam, Nadam, RMSprop, Adagrad };
