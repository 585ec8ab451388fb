/** Range checks shared by the optimizer constructors. */
import { ConfigError } from "../errors.js";

export function checkBeta(field: string, value: number): number {
  if (!(value >= 0 && value < 1)) throw new ConfigError(field, value, "a number in [0, 1)");
  return value;
}

export function checkEpsilon(value: number, field = "epsilon"): number {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new ConfigError(field, value, "a finite number > 0");
  }
  return value;
}

export function checkLearningRate(value: number, field = "learningRate"): number {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new ConfigError(field, value, "a finite number > 0");
  }
  return value;
}
