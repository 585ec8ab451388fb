/** The report's only style sheet, inlined in its head so the file works offline. */
export const REPORT_CSS = `
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --band: #f6f8fa; --accent: #0b5cad; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
header, main { max-width: 1320px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; padding-bottom: 8px; border-bottom: 1px solid var(--line); }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 21px; margin: 36px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 24px 0 8px; }
p.lead, p.note { color: var(--muted); margin: 4px 0 12px; }
nav ul { margin: 6px 0 0; padding: 0; list-style: none; display: flex; flex-wrap: wrap; gap: 6px 18px; }
a { color: var(--accent); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 12px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; font-variant-numeric: tabular-nums; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 16px; }
.charts figure { margin: 0; padding: 8px; border: 1px solid var(--line); border-radius: 6px; }
figcaption { font-weight: 600; font-size: 14px; margin: 0 0 4px 4px; }
.charts svg { display: block; max-width: 100%; height: auto; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; margin: 8px 0 16px; font-variant-numeric: tabular-nums; font-size: 14px; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
td.wrap { white-space: normal; min-width: 7em; }
table.summary { font-size: 13px; }
table.summary th, table.summary td { padding: 4px 6px; }
th[scope="row"], td.text, th.text { text-align: left; }
thead th { background: var(--band); border-bottom: 2px solid var(--line); white-space: normal; vertical-align: bottom; }
td.best { font-weight: 700; background: #e6f4ea; }
ul.recommendations { margin: 8px 0 16px; }
.image-grid { display: grid; grid-template-columns: repeat(5, 112px); gap: 10px; margin: 12px 0; }
.image-grid figure { margin: 0; text-align: center; }
.image-grid img { width: 112px; height: 112px; image-rendering: pixelated; display: block; }
.image-grid figcaption { font-weight: 400; font-size: 12px; margin: 2px 0 0; }
footer { max-width: 1320px; margin: 32px auto; padding: 8px 24px; color: var(--muted); font-size: 13px; border-top: 1px solid var(--line); }
`;
