/**
 * The one place that writes to the terminal. Lines go to stdout, warnings
 * and errors to stderr. `progress` rewrites one status line in place on a
 * TTY and is silent elsewhere (pipes, CI logs), so logs stay readable.
 */
export interface Logger {
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
  /** Replaces the current status line; no output when not a TTY. */
  progress(line: string): void;
  /** True when progress lines are shown. */
  readonly interactive: boolean;
}

export interface LoggerOptions {
  quiet?: boolean;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const interactive = Boolean(stdout.isTTY) && !options.quiet && !process.env.CI;
  let statusShown = false;
  const clearStatus = () => {
    if (statusShown) {
      stdout.write("\r\x1b[2K");
      statusShown = false;
    }
  };
  return {
    interactive,
    info(line) {
      if (options.quiet) return;
      clearStatus();
      stdout.write(`${line}\n`);
    },
    warn(line) {
      clearStatus();
      stderr.write(`${line}\n`);
    },
    error(line) {
      clearStatus();
      stderr.write(`${line}\n`);
    },
    progress(line) {
      if (!interactive) return;
      stdout.write(`\r\x1b[2K${line}`);
      statusShown = true;
    },
  };
}
