/**
 * HTML escaping for the report. Every string that comes from a study
 * definition, a run config or a result passes through escapeHtml before it
 * reaches the page, whether as element text or as an attribute value.
 */

const ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escapes `&`, `<`, `>`, `"` and `'`, so the result is safe as element text
 * and inside a quoted attribute value. Non-strings are converted with String().
 */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (char) => ENTITIES[char]!);
}

/**
 * Formats a number for a table cell: fixed decimals, an en dash for a
 * missing value, and "NaN" or "±Infinity" spelled out so a diverged run reads
 * as such.
 */
export function formatNumber(value: number | undefined | null, digits = 4): string {
  if (value === undefined || value === null) return "–";
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
  return value.toFixed(digits);
}
