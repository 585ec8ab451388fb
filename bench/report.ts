/**
 * Output helpers: Markdown tables for the terminal and BENCHMARKS.md, JSON
 * result files, and replacement of a generated section in a Markdown file.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, from this file's place in dist/bench/. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const RESULTS_DIR = path.join(REPO_ROOT, "bench", "results");
export const BENCHMARKS_MD = path.join(REPO_ROOT, "BENCHMARKS.md");

export type Align = "left" | "right";

/** Formats a Markdown table with padded columns, left-aligned where `align` sets no other alignment. */
export function markdownTable(headers: string[], rows: string[][], align: Align[] = []): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length), 3));
  const pad = (cell: string, i: number) =>
    align[i] === "right" ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!);
  const line = (cells: string[]) => `| ${cells.map(pad).join(" | ")} |`;
  const rule = widths.map((w, i) => (align[i] === "right" ? `${"-".repeat(w - 1)}:` : "-".repeat(w)));
  return [line(headers), `| ${rule.join(" | ")} |`, ...rows.map(line)].join("\n");
}

/** Formats milliseconds with 3 significant decimals below 10 ms, fewer above. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return "n/a";
  if (ms < 10) return ms.toFixed(3);
  if (ms < 100) return ms.toFixed(2);
  return ms.toFixed(1);
}

export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return "n/a";
  return ratio < 10 ? `${ratio.toFixed(2)}x` : `${ratio.toFixed(1)}x`;
}

/** Formats seconds as "1 h 02 min", "3 min 05 s" or "12.3 s". */
export function formatDuration(seconds: number): string {
  if (seconds >= 3600) {
    const minutes = Math.round(seconds / 60);
    return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
  }
  if (seconds >= 60) {
    const whole = Math.round(seconds);
    return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, "0")} s`;
  }
  return `${seconds.toFixed(1)} s`;
}

/** Writes `data` as indented JSON to bench/results/<name> and returns the path. */
export function writeResultJson(name: string, data: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, name);
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

/**
 * Replaces the text between `<!-- bench:NAME:start -->` and
 * `<!-- bench:NAME:end -->` in `file` with `content`. When the file or the
 * markers are missing, appends a new marked section instead, so hand-written
 * prose around the section is never touched.
 */
export function replaceMarkdownSection(file: string, name: string, content: string): void {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const block = `${start}\n${content.trimEnd()}\n${end}`;
  const text = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n";
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  let updated: string;
  if (from >= 0 && to > from) {
    updated = text.slice(0, from) + block + text.slice(to + end.length);
  } else {
    updated = `${text.trimEnd()}\n\n${block}\n`;
  }
  writeFileSync(file, updated);
}
