/**
 * Typed user-facing errors. Each carries the offending field, the value and
 * what is allowed, so the CLI can print one line and exit with status 2
 * without a stack trace. Library code throws these; only the CLI formats them.
 */

/** An invalid option or configuration value. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  /** `message` replaces the standard "invalid FIELD: VALUE (expected ...)". */
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly allowed: string,
    message?: string,
  ) {
    super(message ?? `invalid ${field}: ${formatValue(value)} (expected ${allowed})`);
  }
}

/** Missing, malformed or unverifiable input data. */
export class DataError extends Error {
  override readonly name = "DataError";
  constructor(
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }
}

/** Formats a value for an error message: strings quoted, the rest as JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** True for errors caused by the user's input rather than by a bug. */
export function isUserError(err: unknown): err is ConfigError | DataError {
  return err instanceof ConfigError || err instanceof DataError;
}
