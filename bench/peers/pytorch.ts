/**
 * Node side of the PyTorch peer: starts bench/peers/pytorch.py under
 * /usr/bin/python3 (override with TRAINLAB_BENCH_PYTHON) and exchanges one
 * JSON line per request with it.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import path from "node:path";
import { createInterface, type Interface } from "node:readline";
import type { ModelSpec } from "../models.js";
import { REPO_ROOT } from "../report.js";

export const PYTHON = process.env.TRAINLAB_BENCH_PYTHON ?? "/usr/bin/python3";
const SCRIPT = path.join(REPO_ROOT, "bench", "peers", "pytorch.py");
/** Maximum wait for one reply. A run request takes well under a second. */
const REPLY_TIMEOUT_MS = 120_000;

export type PytorchStatus =
  | { available: true; torch: string; python: string; blasThreadControl: boolean }
  | { available: false; reason: string };

interface Reply {
  ok: boolean;
  error?: string;
  notInstalled?: boolean;
  torch?: string;
  python?: string;
  blas?: boolean;
  times?: number[];
}

export class PytorchPeer {
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: Interface,
    readonly status: PytorchStatus,
    private readonly stderr: string[],
  ) {}

  /** Starts the child process. Its status reports "not installed" when torch cannot be imported. */
  static async start(): Promise<PytorchPeer> {
    const stderr: string[] = [];
    const child = spawn(PYTHON, [SCRIPT], { stdio: ["pipe", "pipe", "pipe"] });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => stderr.push(chunk));
    const lines = createInterface({ input: child.stdout });
    const spawnError = new Promise<Reply>((resolve) => {
      child.once("error", (err) => resolve({ ok: false, notInstalled: true, error: `${PYTHON}: ${err.message}` }));
    });
    const first = await Promise.race([readReply(lines, child, stderr), spawnError]);
    let status: PytorchStatus;
    if (first.ok && first.torch) {
      status = { available: true, torch: first.torch, python: first.python ?? "unknown", blasThreadControl: first.blas === true };
    } else {
      const reason = first.notInstalled ? `not installed (${first.error})` : `failed to start: ${first.error}`;
      status = { available: false, reason };
    }
    return new PytorchPeer(child, lines, status, stderr);
  }

  /** The child's process id, while it runs. */
  get pid(): number | undefined {
    return this.child.exitCode === null ? this.child.pid : undefined;
  }

  async build(spec: ModelSpec): Promise<void> {
    await this.request({ op: "build", ...spec });
  }

  /** Runs `warmup` untimed and `steps` timed steps and returns ms per timed step. */
  async run(id: string, torchThreads: number, blasThreads: number, warmup: number, steps: number): Promise<number[]> {
    const reply = await this.request({ op: "run", id, torchThreads, blasThreads, warmup, steps });
    return reply.times ?? [];
  }

  close(): void {
    if (this.child.exitCode === null) {
      this.child.stdin.end(`${JSON.stringify({ op: "quit" })}\n`);
    }
    this.lines.close();
  }

  private async request(message: Record<string, unknown>): Promise<Reply> {
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
    const reply = await readReply(this.lines, this.child, this.stderr);
    if (!reply.ok) {
      throw new Error(`PyTorch peer: ${String(message.op)} failed: ${reply.error ?? "no error message"}`);
    }
    return reply;
  }
}

/** Reads the next JSON reply. Rejects on timeout, and reports an exit with the child's stderr. */
function readReply(lines: Interface, child: ChildProcessWithoutNullStreams, stderr: string[]): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      lines.off("line", onLine);
      child.off("exit", onExit);
    };
    const onLine = (line: string) => {
      cleanup();
      try {
        resolve(JSON.parse(line) as Reply);
      } catch {
        reject(new Error(`PyTorch peer: invalid reply line: ${line.slice(0, 200)}`));
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      resolve({ ok: false, error: `python exited with code ${code}: ${stderr.join("").trim().slice(-500)}` });
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`PyTorch peer: no reply within ${REPLY_TIMEOUT_MS / 1000} s`));
    }, REPLY_TIMEOUT_MS);
    lines.on("line", onLine);
    child.on("exit", onExit);
  });
}
