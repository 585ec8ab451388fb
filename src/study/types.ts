/**
 * The study data model shared by the runner, the results store, the summary
 * and the report. The store persists these records; the report reads only
 * them, so a report can be rebuilt from the store at any time.
 */
import type { EvaluateResult } from "../nn/sequential.js";
import type { Divergence, EpochLogs } from "../train/callbacks.js";
import type { DatasetId, RunConfig } from "../train/run-config.js";
import type { EngineInfo, TimeToTarget } from "../train/run.js";

/** The machine a study ran on, recorded once per study. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  node: string;
  platform: string;
  blasCore?: string;
  blasConfig?: string;
  /** OpenBLAS threads per run that the study requested (`--threads`). */
  threads?: number;
}

/** One finished (or diverged, or failed) run of a study. */
export interface StudyRunRecord {
  /** Unique within a study: `${dataset}/${variant}/${repeat}`. */
  key: string;
  dataset: DatasetId;
  variant: string;
  /** 0-based repeat index; the run's seed derives from it. */
  repeat: number;
  seed: number;
  status: "completed" | "diverged" | "failed";
  /** For diverged runs: where the loss became NaN or infinite. */
  diverged?: Divergence;
  /** For failed runs: the error message. */
  error?: string;
  config: RunConfig;
  engine: EngineInfo;
  epochs: EpochLogs[];
  best?: { epoch: number; logs: EpochLogs };
  test?: EvaluateResult;
  timeToTarget?: TimeToTarget;
  /**
   * The validation metric of a constant predictor on the same split: the
   * majority-class accuracy, or the MSE of predicting the train mean. A run
   * that does not beat it clearly has not learned.
   */
  baseline?: { metric: string; value: number };
  totalSeconds: number;
  /** Runs that trained at the same time as this one (1 = alone). */
  parallel: number;
  startedAt: string;
  finishedAt: string;
}

/** Everything stored about one study. */
export interface StudyResults {
  name: string;
  /** The study definition as it was run (validated JSON). */
  definition: unknown;
  machine: MachineInfo;
  createdAt: string;
  runs: StudyRunRecord[];
}
