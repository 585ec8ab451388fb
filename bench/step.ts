/**
 * Entry of `npm run bench`. Without flags it times trainlab's training step
 * and writes bench/results/latest.json. With `--peers` it times the same
 * step in trainlab, PyTorch and TensorFlow.js (wasm) against the GEMM-only
 * bound, writes bench/results/peers.json and updates the generated section
 * of BENCHMARKS.md.
 */
import { parseArgs } from "node:util";
import { ConfigError } from "../src/errors.js";
import type { ModelSpec } from "./models.js";
import { BENCH_MODELS } from "./models.js";
import { runPeerBench } from "./peer-bench.js";
import { printStepReport, runStepBench } from "./step-bench.js";

const HELP = `Usage: npm run bench [-- options]

Times one training step (model.trainOnBatch) on synthetic batches.

Options:
  --peers              compare with PyTorch, TensorFlow.js (wasm) and the GEMM-only
                       bound, and rewrite the peers section of BENCHMARKS.md
  --model ID           only this model (repeatable); ids: ${BENCH_MODELS.map((m) => m.id).join(", ")}
  --threads LIST       OpenBLAS thread counts to measure, comma-separated (default 1,2)
  --rounds N           interleaved timing rounds (default 3, or 5 with --peers)
  --seconds S          timed seconds per case per round (default 0.4, or 0.25 with --peers)
  --skip-reference     skip the reference-backend rows of the step table
  -h, --help           show this help
`;

function parsePositive(name: string, value: string | undefined, fallback: number, integer: boolean): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0 || (integer && !Number.isInteger(parsed))) {
    throw new ConfigError(name, value, integer ? "an integer >= 1" : "a number > 0");
  }
  return parsed;
}

function parseThreads(value: string | undefined): number[] {
  if (value === undefined) return [1, 2];
  const threads = value.split(",").map((part) => Number(part.trim()));
  if (threads.length === 0 || threads.some((t) => !Number.isInteger(t) || t < 1)) {
    throw new ConfigError("--threads", value, "comma-separated integers >= 1, e.g. 1,2");
  }
  return [...new Set(threads)];
}

function selectModels(all: readonly ModelSpec[], ids: string[] | undefined): ModelSpec[] {
  if (!ids || ids.length === 0) return [...all];
  const known = new Set(all.map((m) => m.id));
  for (const id of ids) {
    if (!known.has(id)) throw new ConfigError("--model", id, `one of ${[...known].join(", ")}`);
  }
  return all.filter((m) => ids.includes(m.id));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      peers: { type: "boolean", default: false },
      model: { type: "string", multiple: true },
      threads: { type: "string" },
      rounds: { type: "string" },
      seconds: { type: "string" },
      "skip-reference": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const print = (text: string) => process.stdout.write(`${text}\n`);
  const threads = parseThreads(values.threads);

  if (values.peers) {
    await runPeerBench({
      models: selectModels(BENCH_MODELS, values.model),
      threads,
      rounds: parsePositive("--rounds", values.rounds, 5, true),
      secondsPerRound: parsePositive("--seconds", values.seconds, 0.25, false),
      log,
      print,
    });
    return;
  }

  const report = await runStepBench({
    models: selectModels(BENCH_MODELS, values.model),
    threads,
    rounds: parsePositive("--rounds", values.rounds, 3, true),
    secondsPerRound: parsePositive("--seconds", values.seconds, 0.4, false),
    reference: !values["skip-reference"],
    log,
  });
  printStepReport(report, print);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || (err instanceof TypeError && "code" in err && String(err.code).startsWith("ERR_PARSE_ARGS"))) {
    process.stderr.write(`error: ${err.message}\nRun \`npm run bench -- --help\` for the options.\n`);
    process.exit(2);
  }
  throw err;
});
