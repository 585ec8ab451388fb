/**
 * The machine a benchmark ran on, recorded next to every result so numbers
 * from different hosts are never compared by accident.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import type { Backend } from "../src/engine/backend.js";
import { NativeBackend } from "../src/engine/native-backend.js";
import { REPO_ROOT } from "./report.js";

export interface MachineInfo {
  /** "model name" of the first CPU in /proc/cpuinfo, or os.cpus()'s model. */
  cpuModel: string;
  /** Logical CPUs visible to the process. */
  logicalCpus: number;
  /** Distinct (physical id, core id) pairs in /proc/cpuinfo, or null when not listed. */
  physicalCores: number | null;
  memoryGiB: number;
  os: string;
  node: string;
  /** OpenBLAS build string and the kernel it selected, from the native addon. */
  blas: { config: string; coreName: string; cpuCount: number } | null;
  /** The commit that was built, and the engine files changed since it. */
  git: { commit: string; changedEngineFiles: string[] } | null;
  /** 1, 5 and 15 minute load averages when the benchmark started. */
  loadAverage: number[];
  /** ISO 8601 time the benchmark started. */
  date: string;
}

export function collectMachineInfo(backend: Backend | null): MachineInfo {
  const cpuinfo = readCpuinfo();
  const modelLine = /^model name\s*:\s*(.+)$/m.exec(cpuinfo);
  return {
    cpuModel: modelLine?.[1]?.trim() ?? os.cpus()[0]?.model ?? "unknown",
    logicalCpus: os.cpus().length,
    physicalCores: countPhysicalCores(cpuinfo),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    blas: backend instanceof NativeBackend ? backend.blasInfo() : null,
    git: readGitState(),
    loadAverage: currentLoadAverage(),
    date: new Date().toISOString(),
  };
}

function readCpuinfo(): string {
  try {
    return readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return "";
  }
}

/** The code a training step runs: kernels, layers, optimizers and the addon. */
const ENGINE_PATHS = ["src/engine", "src/nn", "src/optim", "src/train", "native", "binding.gyp"];

/**
 * Returns HEAD and the uncommitted changes to the code a training step runs,
 * because the measured engine is the working tree, which can differ from HEAD.
 */
function readGitState(): MachineInfo["git"] {
  try {
    const run = (args: string[]) => execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8" }).trimEnd();
    const commit = run(["rev-parse", "HEAD"]);
    const status = run(["status", "--porcelain", "--", ...ENGINE_PATHS]);
    const changedEngineFiles = status === "" ? [] : status.split("\n").map((line) => line.slice(3));
    return { commit, changedEngineFiles };
  } catch {
    return null;
  }
}

function countPhysicalCores(cpuinfo: string): number | null {
  const cores = new Set<string>();
  for (const block of cpuinfo.split(/\n\s*\n/)) {
    const physical = /^physical id\s*:\s*(\d+)/m.exec(block)?.[1];
    const core = /^core id\s*:\s*(\d+)/m.exec(block)?.[1];
    if (physical !== undefined && core !== undefined) cores.add(`${physical}:${core}`);
  }
  return cores.size > 0 ? cores.size : null;
}

/** Describes CPU, cores, memory, Node and OpenBLAS in one line. */
export function describeMachine(info: MachineInfo): string {
  const cores = info.physicalCores ?? info.logicalCpus;
  const blas = info.blas ? `${info.blas.config} (core ${info.blas.coreName})` : "no OpenBLAS (native addon not loaded)";
  return `${info.cpuModel}, ${cores} cores / ${info.logicalCpus} logical CPUs, ${info.memoryGiB} GiB, Node ${info.node}, ${blas}`;
}

/** Describes the measured commit and any uncommitted engine changes in one line. */
export function describeBuild(info: MachineInfo): string {
  if (!info.git) return "trainlab build: unknown (git not available)";
  const changes =
    info.git.changedEngineFiles.length === 0
      ? "no uncommitted engine changes"
      : `uncommitted changes to ${info.git.changedEngineFiles.join(", ")}`;
  return `trainlab commit ${info.git.commit.slice(0, 10)}, ${changes}`;
}

/** Returns the 1, 5 and 15 minute load averages, rounded to 2 decimals. */
export function currentLoadAverage(): number[] {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}

/** CPU time of the whole machine and of the benchmark's own processes over one run. */
export interface CpuAccounting {
  wallSeconds: number;
  /** CPU seconds all processes used, from /proc/stat. */
  machineSeconds: number;
  /** CPU seconds of this process (all its threads) and of the listed child processes. */
  benchmarkSeconds: number;
  /** Share of the machine's CPU capacity that other processes used, 0..1. */
  otherShare: number;
}

/** USER_HZ: the unit of /proc/stat and /proc/PID/stat times on Linux. */
const CLOCK_TICKS_PER_SECOND = 100;

/** Returns the busy CPU seconds of all processes since boot, or null without /proc/stat. */
function machineBusySeconds(): number | null {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: everything but idle and iowait is busy.
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** Returns a process's user plus system CPU seconds from /proc/PID/stat, or 0 when it is gone. */
function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesized command name: utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * Starts measuring how much CPU other processes take during a run. Pass the
 * benchmark's child pids, and call the returned function before the children
 * exit. It returns null without /proc/stat.
 */
export function startCpuAccounting(childPids: readonly number[] = []): () => CpuAccounting | null {
  const childSeconds = () => childPids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
  const startWall = process.hrtime.bigint();
  const startMachine = machineBusySeconds();
  const startChildren = childSeconds();
  const startOwn = process.cpuUsage();
  return () => {
    const endMachine = machineBusySeconds();
    if (startMachine === null || endMachine === null) return null;
    const wallSeconds = Number(process.hrtime.bigint() - startWall) / 1e9;
    const own = process.cpuUsage(startOwn);
    const benchmarkSeconds = (own.user + own.system) / 1e6 + childSeconds() - startChildren;
    const machineSeconds = endMachine - startMachine;
    const otherSeconds = Math.max(0, machineSeconds - benchmarkSeconds);
    return {
      wallSeconds: round(wallSeconds),
      machineSeconds: round(machineSeconds),
      benchmarkSeconds: round(benchmarkSeconds),
      otherShare: round(otherSeconds / (wallSeconds * os.cpus().length)),
    };
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Describes the CPU share other processes took during the run in one line. */
export function describeCpuAccounting(accounting: CpuAccounting | null): string {
  if (!accounting) return "CPU use of other processes: unknown (no /proc/stat)";
  const percent = (accounting.otherShare * 100).toFixed(1);
  return `Other processes used ${percent}% of the machine's CPU time during the ${accounting.wallSeconds.toFixed(0)} s run`;
}

/** A share of the machine's CPU time used by other processes above which results are flagged. */
export const MAX_OTHER_CPU_SHARE = 0.05;

/** Returns a warning line when other processes took a noticeable share of the CPUs, else null. */
export function contentionWarning(accounting: CpuAccounting | null): string | null {
  if (!accounting || accounting.otherShare <= MAX_OTHER_CPU_SHARE) return null;
  return (
    `warning: other processes used ${(accounting.otherShare * 100).toFixed(1)}% of the machine's CPU time ` +
    "during the run, so these times are inflated; rerun on an idle machine"
  );
}
