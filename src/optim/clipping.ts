/**
 * Gradient clipping with Keras's optimizer options, applied before the
 * update. At most one of them may be set.
 *
 * - clipvalue v: each gradient element is clamped to [-v, v].
 * - clipnorm c: each variable's gradient g becomes g * c / max(||g||, c).
 * - globalClipnorm c: all gradients are scaled together by
 *   c / max(global_norm, c), as Keras's global_clipnorm and PyTorch's
 *   clip_grad_norm_ do (PyTorch adds 1e-6 to the norm in the denominator;
 *   Keras does not, and neither does this).
 */
import type { Backend } from "../engine/backend.js";
import { ConfigError } from "../errors.js";

export interface ClipOptions {
  clipvalue?: number;
  clipnorm?: number;
  globalClipnorm?: number;
}

export const CLIP_OPTION_NAMES = ["clipvalue", "clipnorm", "global_clipnorm"] as const;

/**
 * Checks that at most one option is set and that it is a finite number > 0.
 * `prefix` names the enclosing object in error fields (e.g. a study variant).
 */
export function validateClipOptions(options: ClipOptions, prefix = ""): void {
  const field = (name: string) => (prefix ? `${prefix}.${name}` : name);
  const set = (
    [
      ["clipvalue", options.clipvalue],
      ["clipnorm", options.clipnorm],
      ["globalClipnorm", options.globalClipnorm],
    ] as const
  ).filter(([, value]) => value !== undefined);
  if (set.length > 1) {
    const names = set.map(([name, value]) => `${name}=${value}`).join(", ");
    throw new ConfigError(
      field("clipping"),
      names,
      "at most one of clipvalue, clipnorm and globalClipnorm (global_clipnorm)",
    );
  }
  for (const [name, value] of set) {
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      throw new ConfigError(field(name), value, "a finite number > 0");
    }
  }
}

/** True when any clipping option is set. */
export function clipsGradients(options: ClipOptions): boolean {
  return (
    options.clipvalue !== undefined ||
    options.clipnorm !== undefined ||
    options.globalClipnorm !== undefined
  );
}

/**
 * Clips the gradients in place and returns the global L2 norm they had before
 * clipping. `grads` contains every trainable gradient; `perVariable` are views
 * into it, one per variable.
 */
export function clipGradients(
  backend: Backend,
  grads: Float32Array,
  perVariable: readonly Float32Array[],
  options: ClipOptions,
): number {
  if (options.clipnorm !== undefined) {
    const c = options.clipnorm;
    let total = 0;
    for (const g of perVariable) {
      const sq = backend.sumSquares(g);
      total += sq;
      const norm = Math.sqrt(sq);
      if (norm > c) backend.scale(g, c / norm);
    }
    return Math.sqrt(total);
  }
  const norm = Math.sqrt(backend.sumSquares(grads));
  if (options.globalClipnorm !== undefined) {
    const c = options.globalClipnorm;
    if (norm > c) backend.scale(grads, c / norm);
  } else if (options.clipvalue !== undefined) {
    backend.clip(grads, -options.clipvalue, options.clipvalue);
  }
  return norm;
}
