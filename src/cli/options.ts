/**
 * Typed command-line options over node's util.parseArgs: each option has a
 * type, a unit, a default and help text, so parsing, validation and --help
 * come from one table.
 */
import { parseArgs } from "node:util";
import { ConfigError } from "../errors.js";

export interface OptionSpec {
  /** Long name without dashes, e.g. "batch-size". */
  name: string;
  type: "string" | "number" | "integer" | "boolean" | "list";
  /** Shown in help, e.g. "ID", "N", "FILE". */
  placeholder?: string;
  /** Unit shown in help, e.g. "samples", "seconds". */
  unit?: string;
  /** Default shown in help; the run description applies the real one. */
  defaultText?: string;
  help: string;
  short?: string;
}

export type OptionValues = Record<string, string | number | boolean | number[] | undefined>;

/** Parses argv against the table; unknown or malformed options are ConfigErrors. */
export function parseOptions(
  argv: string[],
  specs: readonly OptionSpec[],
): { values: OptionValues; positionals: string[] } {
  const config: Record<string, { type: "string" | "boolean"; short?: string }> = {};
  for (const spec of specs) {
    config[spec.name] = { type: spec.type === "boolean" ? "boolean" : "string" };
    if (spec.short) config[spec.name]!.short = spec.short;
  }
  // parseArgs reads "-1" as a flag; join a negative number to its option
  // so `--lr -1` reaches validation and gets a proper message.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const spec = specs.find((s) => `--${s.name}` === arg);
    if (spec && (spec.type === "number" || spec.type === "integer") && next !== undefined && /^-\d|^-\.\d|^-Infinity$/.test(next)) {
      args.push(`${arg}=${next}`);
      i++;
    } else {
      args.push(arg);
    }
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options: config, allowPositionals: true, strict: true });
  } catch (err) {
    throw parseError(err, specs);
  }
  const values: OptionValues = {};
  for (const spec of specs) {
    const raw = parsed.values[spec.name];
    if (raw === undefined) continue;
    values[spec.name] = convert(spec, raw as string | boolean);
  }
  return { values, positionals: parsed.positionals };
}

function convert(spec: OptionSpec, raw: string | boolean): string | number | boolean | number[] {
  const field = `--${spec.name}`;
  if (spec.type === "boolean" || typeof raw === "boolean") return raw;
  if (spec.type === "string") {
    if (raw === "") throw new ConfigError(field, raw, "a non-empty value");
    return raw;
  }
  if (spec.type === "list") {
    const items = raw.split(",").map((s) => s.trim());
    const numbers = items.map(Number);
    if (items.some((s) => s === "") || numbers.some((n) => !Number.isInteger(n) || n < 1)) {
      throw new ConfigError(field, raw, "comma-separated integers >= 1, e.g. 300,100,50");
    }
    return numbers;
  }
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value)) {
    throw new ConfigError(field, raw, spec.type === "integer" ? "an integer" : "a number");
  }
  if (spec.type === "integer" && !Number.isInteger(value)) {
    throw new ConfigError(field, raw, "an integer");
  }
  return value;
}

function parseError(err: unknown, specs: readonly OptionSpec[]): ConfigError {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string }).code;
  const option = /'(-[^' ]+)/.exec(message)?.[1] ?? message;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    return new ConfigError("option", option, "a known option; see --help");
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const name = /--([a-z-]+)/.exec(message)?.[1];
    const spec = specs.find((s) => s.name === name);
    let kind = "a value";
    if (spec?.type === "number") kind = "a number";
    if (spec?.type === "integer") kind = "an integer";
    return new ConfigError(`--${name ?? option}`, "(missing)", `${kind} after the flag`);
  }
  return new ConfigError("arguments", message, "valid options; see --help");
}

/** Formats the option table for --help, aligned, one option per line. */
export function formatOptions(specs: readonly OptionSpec[]): string {
  const rows = specs.map((s) => {
    const flag = `--${s.name}${s.placeholder ? ` ${s.placeholder}` : ""}`;
    const extras: string[] = [];
    if (s.unit) extras.push(`unit: ${s.unit}`);
    if (s.defaultText !== undefined) extras.push(`default: ${s.defaultText}`);
    const suffix = extras.length ? ` (${extras.join("; ")})` : "";
    return [flag, `[${s.type}] ${s.help}${suffix}`] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return rows.map(([flag, text]) => `  ${flag.padEnd(width)}${text}`).join("\n");
}
