/**
 * `trainlab study <reference|quick|FILE>`: runs a study into a directory,
 * resuming where a previous invocation stopped, then prints the summary
 * tables, writes summary.md and, when the report module is built, the HTML
 * report.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../errors.js";
import { BUILTIN_STUDY_NAMES, builtinStudy } from "../study/builtin.js";
import { loadStudyFile, type StudyDefinition } from "../study/definition.js";
import { formatDuration, runStudy } from "../study/runner.js";
import { loadStudyResults } from "../study/store.js";
import { formatSummaryText, summarizeStudy, writeSummaryMarkdown } from "../study/summary.js";
import type { Logger } from "./logger.js";
import { formatOptions, parseOptions, type OptionSpec, type OptionValues } from "./options.js";

export const STUDY_OPTIONS: readonly OptionSpec[] = [
  { name: "out", type: "string", placeholder: "DIR", defaultText: "runs/<study name>", help: "study directory: results.sqlite, summary.md and the report go here" },
  { name: "repeats", type: "integer", placeholder: "N", unit: "runs per variant and data set", defaultText: "the study's repeats", help: "runs per variant and data set, with seed + i for repeat i" },
  { name: "parallel", type: "integer", placeholder: "N", unit: "processes", defaultText: "1", help: "train N runs at once in worker processes (faster, but timings interfere)" },
  { name: "threads", type: "integer", placeholder: "N", unit: "threads", defaultText: "each run's setting (2 for plain-SGD Fashion-MNIST runs, else 1; 1 with --parallel)", help: "OpenBLAS threads of every run" },
  { name: "datasets", type: "string", placeholder: "A,B", defaultText: "all of the study's", help: "run only these data sets" },
  { name: "variants", type: "string", placeholder: "A,B", defaultText: "all of the study's", help: "run only these variants" },
  { name: "retry-failed", type: "boolean", help: "train runs stored as failed again (they are skipped otherwise)" },
  { name: "no-report", type: "boolean", help: "do not write the HTML report" },
  { name: "quiet", type: "boolean", help: "print only warnings and errors" },
  { name: "help", type: "boolean", short: "h", help: "show this help" },
];

export const STUDY_USAGE = `Usage: trainlab study <reference|quick|FILE> [options]

Runs every variant of a study on its data sets and stores each run in
DIR/results.sqlite the moment it finishes. Rerunning the same command
resumes: stored runs are skipped, so an interrupted study (even by kill -9)
loses at most the run in progress. At the end the summary tables are
printed and written to DIR/summary.md.

Studies:
  reference   the classic initializer/activation/batch-norm/clipping comparison,
              SGD lr 1e-3, batch 32, 20 epochs, on fashion-mnist and california-housing
  quick       the same variants for 2 epochs on subsets (a smoke test)
  FILE        a YAML or JSON study definition

Options:
${formatOptions(STUDY_OPTIONS)}`;

export async function studyCommand(argv: string[], logger: Logger): Promise<number> {
  const { values, positionals } = parseOptions(argv, STUDY_OPTIONS);
  if (values.help) {
    logger.info(STUDY_USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new ConfigError("arguments", positionals.join(" ") || "(missing)", "one study: reference, quick or a study file; see --help");
  }
  const definition = resolveStudy(positionals[0]!);
  const datasets = listOption(values, "datasets", definition.datasets);
  const variants = listOption(values, "variants", definition.variants.map((v) => v.name));
  const repeats = positiveOption(values, "repeats");
  const parallel = positiveOption(values, "parallel");
  const threads = positiveOption(values, "threads");
  const outDir = values.out === undefined ? join("runs", definition.name) : String(values.out);

  const outcome = await runStudy(definition, {
    outDir,
    repeats,
    datasets,
    variants,
    threads,
    parallel,
    retryFailed: values["retry-failed"] === true,
    sink: logger,
  });
  logger.info(
    `study ${definition.name}: ${outcome.completed} completed, ${outcome.diverged} diverged, ${outcome.failed} failed, ` +
      `${outcome.skipped} already stored; ${formatDuration(outcome.wallSeconds)} wall time`,
  );
  if (outcome.failed > 0) {
    logger.warn(`warning: ${outcome.failed} run(s) failed. Their errors are in the summary, and --retry-failed trains them again`);
  }

  const summary = summarizeStudy(loadStudyResults(outDir));
  logger.info("");
  logger.info(formatSummaryText(summary));
  logger.info("");
  logger.info(`summary: ${writeSummaryMarkdown(outDir, summary)}`);
  logger.info(`results: ${outcome.storePath}`);
  if (values["no-report"] !== true) await writeHtmlReport(outDir, logger);
  return 0;
}

/** Returns the built-in study of that name, or loads the study file at that path. */
export function resolveStudy(argument: string): StudyDefinition {
  const builtin = builtinStudy(argument);
  if (builtin) return builtin;
  const looksLikeFile = /[/\\]|\.(ya?ml|json)$/i.test(argument);
  if (existsSync(argument) || looksLikeFile) return loadStudyFile(argument);
  throw new ConfigError("study", argument, `a built-in study (${BUILTIN_STUDY_NAMES.join(", ")}) or the path of a YAML or JSON study file`);
}

function listOption(values: OptionValues, name: string, allowed: readonly string[]): string[] | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const items = String(raw).split(",").map((s) => s.trim());
  for (const item of items) {
    if (!allowed.includes(item)) {
      throw new ConfigError(`--${name}`, item, `comma-separated names from this study: ${allowed.join(", ")}`);
    }
  }
  return items;
}

function positiveOption(values: OptionValues, name: string): number | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || value < 1) throw new ConfigError(`--${name}`, value, "an integer >= 1");
  return value;
}

/**
 * Writes the HTML report when this build has the report module
 * (`src/report/html.ts` exporting `writeReport(dir)`). A report that fails
 * is a warning: the results and summary.md are already stored.
 */
async function writeHtmlReport(dir: string, logger: Logger): Promise<void> {
  const url = new URL("../report/html.js", import.meta.url);
  if (!existsSync(url)) {
    logger.info("report: skipped, this build has no HTML report module");
    return;
  }
  let module: { writeReport?: unknown };
  try {
    module = (await import(url.href)) as { writeReport?: unknown };
  } catch (err) {
    logger.warn(`warning: HTML report not written: cannot load ${url.pathname}: ${(err as Error).message}`);
    return;
  }
  if (typeof module.writeReport !== "function") {
    logger.warn("warning: HTML report not written: report/html.js does not export writeReport(dir)");
    return;
  }
  try {
    const path = await (module.writeReport as (dir: string) => Promise<string>)(dir);
    logger.info(`report: ${path}`);
  } catch (err) {
    logger.warn(`warning: HTML report not written: ${(err as Error).message ?? String(err)}`);
  }
}
