/**
 * Learning-rate schedules, as functions of the optimizer step.
 *
 * Exponential decay (Keras ExponentialDecay):
 *   lr(step) = initial * decayRate ^ (step / decaySteps),
 * with the exponent floored when `staircase` is true.
 */
export interface ExponentialDecayConfig {
  initialLearningRate: number;
  decaySteps: number;
  decayRate: number;
  /** @default false */
  staircase?: boolean;
}

export function exponentialDecay(config: ExponentialDecayConfig, step: number): number {
  let exponent = step / config.decaySteps;
  if (config.staircase ?? false) exponent = Math.floor(exponent);
  return config.initialLearningRate * config.decayRate ** exponent;
}
