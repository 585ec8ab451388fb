/**
 * Step timing shared by the benchmarks: per-step wall-clock times from
 * process.hrtime, summarized by their median.
 */

/** Returns the q-quantile (0..1) of values by linear interpolation, or NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Runs `step` `warmup` times untimed, then `steps` times, and returns each timed step in ms. */
export function timeSteps(step: () => void, warmup: number, steps: number): number[] {
  for (let i = 0; i < warmup; i++) step();
  const times = new Array<number>(steps);
  for (let i = 0; i < steps; i++) {
    const start = process.hrtime.bigint();
    step();
    times[i] = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return times;
}

/**
 * Returns how many steps fill `seconds` at `msPerStep`, clamped to
 * [minSteps, maxSteps].
 */
export function stepsForBudget(msPerStep: number, seconds: number, minSteps: number, maxSteps: number): number {
  const fit = Math.round((seconds * 1000) / Math.max(msPerStep, 1e-6));
  return Math.min(maxSteps, Math.max(minSteps, fit));
}

/**
 * Sleeps so that BLAS and OpenMP worker threads of the engine that just ran
 * stop spinning before the next engine is timed. OpenBLAS 0.3 workers
 * busy-wait for about 2^28 cycles (0.1 s at 2.6 GHz) after their last job,
 * and on a 2-core machine a spinning worker takes a whole core.
 */
export function settle(ms = 200): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
