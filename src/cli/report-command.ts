/**
 * `trainlab report DIR`: regenerates DIR/report.html from the study results
 * stored in DIR.
 */
import { ConfigError } from "../errors.js";
import { writeReport } from "../report/html.js";
import type { Logger } from "./logger.js";
import { formatOptions, parseOptions, type OptionSpec } from "./options.js";

export const REPORT_OPTIONS: readonly OptionSpec[] = [
  { name: "data-dir", type: "string", placeholder: "DIR", help: "directory with the Fashion-MNIST files for the image grid (else the runs' data directory, TRAINLAB_DATA_DIR, caches, system copies; never downloaded)" },
  { name: "seed", type: "integer", placeholder: "N", help: "show a random sample of 25 training images drawn with this seed instead of the first 25" },
  { name: "no-images", type: "boolean", help: "leave out the Fashion-MNIST image grid" },
  { name: "quiet", type: "boolean", help: "print only warnings and errors" },
  { name: "help", type: "boolean", short: "h", help: "show this help" },
];

export const REPORT_USAGE = `Usage: trainlab report DIR [options]

Writes DIR/report.html from the study results stored in DIR: learning
curves, metric against time, seconds to target and summary tables per data
set, and a grid of Fashion-MNIST training images. The file is self-contained
(no scripts, no external fonts or images), so it opens offline.

Options:
${formatOptions(REPORT_OPTIONS)}`;

export async function reportCommand(argv: string[], logger: Logger): Promise<number> {
  const { values, positionals } = parseOptions(argv, REPORT_OPTIONS);
  if (values.help) {
    logger.info(REPORT_USAGE);
    return 0;
  }
  if (positionals.length === 0) throw new ConfigError("arguments", "(none)", "the study directory, as in `trainlab report DIR`");
  if (positionals.length > 1) throw new ConfigError("argument", positionals[1], "one study directory only");
  const seed = values.seed as number | undefined;
  if (seed !== undefined && (seed < 0 || seed > 0xffffffff)) throw new ConfigError("--seed", seed, "an integer from 0 to 4294967295");

  const path = await writeReport(positionals[0]!, {
    dataDir: values["data-dir"] as string | undefined,
    seed,
    images: !values["no-images"],
    warn: logger.warn,
  });
  if (!values.quiet) logger.info(`wrote ${path}`);
  return 0;
}
