/**
 * Backend selection. `auto` takes the native addon when it loads and falls
 * back to the reference backend with one warning line; `native` requires the
 * addon; `reference` forces the TypeScript oracle.
 */
import { ConfigError } from "../errors.js";
import type { Backend } from "./backend.js";
import { NativeBackend, addonLoadError, loadAddon } from "./native-backend.js";
import { ReferenceBackend } from "./reference-backend.js";

export type BackendName = "auto" | "native" | "reference";
export const BACKEND_NAMES: readonly BackendName[] = ["auto", "native", "reference"];

export interface BackendOptions {
  /** @default "auto" */
  backend?: BackendName;
  /** BLAS threads; leaves OpenBLAS's own default when undefined. */
  threads?: number;
  /** Receives the one-line fallback warning. @default console.warn */
  warn?: (line: string) => void;
}

/** Creates the requested backend and applies the thread setting. */
export function createBackend(options: BackendOptions = {}): Backend {
  const name = options.backend ?? "auto";
  let backend: Backend;
  if (name === "reference") {
    backend = new ReferenceBackend();
  } else {
    const addon = loadAddon();
    if (addon) {
      backend = new NativeBackend(addon);
    } else if (name === "native") {
      throw new ConfigError(
        "backend",
        name,
        `a built native addon (${addonLoadError()}); run \`npm run build\``,
      );
    } else {
      const warn = options.warn ?? ((line: string) => console.warn(line));
      warn(
        "warning: native addon not built, using the slow reference backend; " +
          "install g++, make and libopenblas-dev, then run `npm run build`",
      );
      backend = new ReferenceBackend();
    }
  }
  if (options.threads !== undefined) {
    if (!Number.isInteger(options.threads) || options.threads < 1) {
      throw new ConfigError("threads", options.threads, "an integer >= 1");
    }
    backend.setThreads(options.threads);
  }
  return backend;
}

export type { Backend } from "./backend.js";
