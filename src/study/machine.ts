/**
 * Describes the machine a study runs on, so stored timings can be read with
 * the CPU, core count, Node version and BLAS build that produced them.
 */
import { cpus, release, totalmem } from "node:os";
import { NativeBackend, loadAddon } from "../engine/native-backend.js";
import type { MachineInfo } from "./types.js";

/**
 * Collects the machine description. `threads` is the OpenBLAS thread count
 * the study requested per run. BLAS fields are filled only when the native
 * addon loads.
 */
export function collectMachineInfo(threads?: number): MachineInfo {
  const processors = cpus();
  const info: MachineInfo = {
    cpuModel: processors[0]?.model.trim() || "unknown",
    cores: processors.length,
    memoryBytes: totalmem(),
    node: process.version,
    platform: `${process.platform} ${release()} ${process.arch}`,
  };
  const addon = loadAddon();
  if (addon) {
    const blas = new NativeBackend(addon).blasInfo();
    info.blasCore = blas.coreName;
    info.blasConfig = blas.config;
  }
  if (threads !== undefined) info.threads = threads;
  return info;
}

/** Formats the machine as one log line: "Intel Xeon …, 2 cores, Node v20.20.2, OpenBLAS SkylakeX". */
export function describeMachine(machine: MachineInfo): string {
  const parts = [machine.cpuModel, `${machine.cores} cores`, `Node ${machine.node}`];
  parts.push(machine.blasCore ? `OpenBLAS ${machine.blasCore}` : "no native BLAS");
  if (machine.threads !== undefined) parts.push(`${machine.threads} BLAS thread(s) per run`);
  return parts.join(", ");
}
