#!/usr/bin/env node
/**
 * The trainlab command line. Each command module is imported lazily, so
 * `--help` works even when the native addon or a data set is missing.
 * User errors (ConfigError, DataError) print one line and exit with status 2;
 * anything else is a bug and keeps its stack trace.
 */
import { isUserError } from "../errors.js";
import { createLogger, type Logger } from "./logger.js";

type Command = (argv: string[], logger: Logger) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  train: {
    summary: "train one network and print its epochs",
    load: async () => (await import("./train-command.js")).trainCommand,
  },
  study: { summary: "run a study (reference, quick or a file) and store every run", load: async () => (await import("./study-command.js")).studyCommand },
  export: { summary: "write a study's runs and epochs as CSV and JSONL", load: async () => (await import("./export-command.js")).exportCommand },
  report: { summary: "write DIR/report.html from a study's stored results", load: async () => (await import("./report-command.js")).reportCommand },
  "show-data": { summary: "write a 5x5 grid of Fashion-MNIST training images as PNG", load: async () => (await import("./show-data-command.js")).showDataCommand },
  predict: {
    summary: "predict raw feature rows with a model saved by train --save-model",
    load: async () => (await import("./predict-command.js")).predictCommand,
  },
};

const USAGE = `Usage: trainlab <command> [options]

trainlab measures which initializers, activations, batch normalization,
gradient clipping and optimizers make networks train faster and better.

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(12)}${c.summary}`)
  .join("\n")}

Run \`trainlab <command> --help\` for a command's options.`;

/** Registers another command; used by modules that add commands. */
export function registerCommand(name: string, summary: string, load: () => Promise<Command>): void {
  COMMANDS[name] = { summary, load };
}

export async function main(argv: string[]): Promise<number> {
  const quiet = argv.includes("--quiet");
  const logger = createLogger({ quiet });
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    logger.info(USAGE);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    logger.error(`trainlab: unknown command ${JSON.stringify(name)} (expected one of ${Object.keys(COMMANDS).join(", ")})`);
    return 2;
  }
  try {
    return await (await command.load())(rest, logger);
  } catch (err) {
    if (isUserError(err)) {
      logger.error(`trainlab ${name}: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
