/**
 * Interleaved timing rounds. Every case is warmed up and calibrated once.
 * Then each round runs every case in turn (A B C A B C ...) for a fixed step
 * count, so slow drift of the machine (thermal state, other processes) hits
 * all cases alike. A case's result is the median of its round medians.
 */
import { median, quantile, settle, stepsForBudget } from "./timing.js";

export interface BenchCase {
  /** Unique key, e.g. "trainlab/relu-b32/2". */
  key: string;
  /**
   * Applies the case's settings (threads), runs `warmup` untimed steps and
   * `steps` timed ones, and returns each timed step's milliseconds.
   */
  run(warmup: number, steps: number): Promise<number[]> | number[];
}

export interface RoundOptions {
  rounds: number;
  /** Untimed steps before calibration, once per case. */
  initialWarmup: number;
  /** Untimed steps at the start of every round, after other cases ran. */
  roundWarmup: number;
  /** Target timed seconds per case per round, which sets the fixed step count. */
  secondsPerRound: number;
  minSteps: number;
  maxSteps: number;
  /** Pause between cases, so the previous case's worker threads go idle. */
  settleMs: number;
  log?: (line: string) => void;
}

/** The timing of one case: the figures every benchmark table reports. */
export type RoundTiming = Omit<CaseResult, "key">;

export interface CaseResult {
  key: string;
  /** Median of the round medians, in ms per step. */
  medianMs: number;
  roundMediansMs: number[];
  /** 10th and 90th percentiles over all timed steps. */
  p10Ms: number;
  p90Ms: number;
  stepsPerRound: number;
  timedSteps: number;
}

/** Calibrates, then runs the interleaved rounds and returns one result per case, in input order. */
export async function runRounds(cases: readonly BenchCase[], options: RoundOptions): Promise<CaseResult[]> {
  const stepsPerRound = new Map<string, number>();
  for (const c of cases) {
    await settle(options.settleMs);
    const probe = await c.run(options.initialWarmup, Math.min(10, options.minSteps));
    const steps = stepsForBudget(median(probe), options.secondsPerRound, options.minSteps, options.maxSteps);
    stepsPerRound.set(c.key, steps);
    options.log?.(`  calibrated ${c.key}: ${median(probe).toFixed(3)} ms/step, ${steps} steps per round`);
  }

  const roundMedians = new Map<string, number[]>(cases.map((c) => [c.key, []]));
  const allTimes = new Map<string, number[]>(cases.map((c) => [c.key, []]));
  for (let round = 1; round <= options.rounds; round++) {
    options.log?.(`  round ${round}/${options.rounds}`);
    for (const c of cases) {
      await settle(options.settleMs);
      const times = await c.run(options.roundWarmup, stepsPerRound.get(c.key)!);
      roundMedians.get(c.key)!.push(median(times));
      allTimes.get(c.key)!.push(...times);
    }
  }

  return cases.map((c) => {
    const times = allTimes.get(c.key)!;
    const medians = roundMedians.get(c.key)!;
    return {
      key: c.key,
      medianMs: median(medians),
      roundMediansMs: medians,
      p10Ms: quantile(times, 0.1),
      p90Ms: quantile(times, 0.9),
      stepsPerRound: stepsPerRound.get(c.key)!,
      timedSteps: times.length,
    };
  });
}
