/**
 * Times what each training technique costs per step: the study MLP
 * (784-300-100-50-50-50-10 relu, batch 32) on the native backend, one
 * technique changed at a time against plain SGD. Cases alternate over 5
 * rounds so machine drift hits them alike; each figure is the median of
 * the round medians. Run with `npm run bench:techniques`.
 */
import { createBackend } from "../src/engine/index.js";
import { Rng } from "../src/engine/rng.js";
import { emptyStats } from "../src/nn/losses.js";
import { buildModel } from "../src/train/build-model.js";
import { validateRunConfig } from "../src/train/run-config.js";
import { collectMachineInfo, describeMachine } from "./machine.js";
import { RELU_B32, syntheticBatch } from "./models.js";
import { runRounds, type BenchCase, type RoundOptions } from "./rounds.js";
import { timeSteps } from "./timing.js";

const CASES: Array<{ name: string; settings: Record<string, unknown> }> = [
  { name: "sgd (baseline)", settings: {} },
  { name: "sgd, momentum 0.9", settings: { momentum: 0.9 } },
  { name: "sgd, nesterov 0.9", settings: { momentum: 0.9, nesterov: true } },
  { name: "adam", settings: { optimizer: "adam" } },
  { name: "nadam", settings: { optimizer: "nadam" } },
  { name: "rmsprop", settings: { optimizer: "rmsprop" } },
  { name: "adagrad", settings: { optimizer: "adagrad" } },
  { name: "clipvalue 0.5", settings: { clipvalue: 0.5 } },
  { name: "clipnorm 1.0", settings: { clipnorm: 1 } },
  { name: "global_clipnorm 1.0", settings: { globalClipnorm: 1 } },
  { name: "leaky_relu", settings: { activation: "leaky_relu" } },
  { name: "elu", settings: { activation: "elu" } },
  { name: "selu", settings: { activation: "selu" } },
  { name: "gelu", settings: { activation: "gelu" } },
  { name: "swish", settings: { activation: "swish" } },
  { name: "rrelu", settings: { activation: "rrelu" } },
  { name: "batch norm after", settings: { batchNorm: "after" } },
  { name: "batch norm before", settings: { batchNorm: "before" } },
];

const threads = Number(process.argv[2] ?? 1);
const backend = createBackend({ backend: "native", threads });
const batch = syntheticBatch(RELU_B32);
const cases: BenchCase[] = CASES.map(({ name, settings }) => {
  const config = validateRunConfig({ hidden: [...RELU_B32.hidden], threads, ...settings });
  const model = buildModel(config, RELU_B32.inputs, RELU_B32.outputs, backend, new Rng(42));
  const stats = emptyStats();
  const step = () => model.trainOnBatch(batch.x, batch.y, RELU_B32.batch, stats);
  return { key: name, run: (warmup: number, steps: number) => timeSteps(step, warmup, steps) };
});

// A fixed 300 steps per case and round (min = max), after 20 untimed steps.
const ROUNDS: RoundOptions = {
  rounds: 5,
  initialWarmup: 20,
  roundWarmup: 20,
  secondsPerRound: 0.15,
  minSteps: 300,
  maxSteps: 300,
  settleMs: 0,
};
const results = await runRounds(cases, ROUNDS);
const medians = results.map((r) => r.medianMs);
const baseline = medians[0]!;

console.log(describeMachine(collectMachineInfo(backend)));
console.log(`${RELU_B32.label}, batch 32, native, ${threads} OpenBLAS thread(s), ${ROUNDS.rounds} rounds of ${ROUNDS.minSteps} steps\n`);
console.log("| Technique | Median ms/step | vs plain SGD | 20 epochs (1,688 steps each) |");
console.log("| --- | ---: | ---: | ---: |");
CASES.forEach(({ name }, i) => {
  const ms = medians[i]!;
  const seconds = (ms * 1688 * 20) / 1000;
  console.log(`| ${name} | ${ms.toFixed(3)} | ${(ms / baseline).toFixed(2)}x | ${seconds.toFixed(1)} s |`);
});
