/**
 * Charts for the report, rendered to SVG strings in Node with the
 * server-side rendering mode of ECharts 5, so the report needs no script.
 *
 * ECharts escapes every text it draws (titles, legend entries, axis labels)
 * with its encodeHTML, so variant names may be passed as they are. Each chart
 * instance gets its own id prefix (zr0, zr1, ...) from a process-wide counter
 * in zrender's SVG painter. Clip-path ids and CSS classes of charts on one
 * page therefore differ, as long as one process renders them all.
 */
import { createRequire } from "node:module";
import type { EChartsOption } from "echarts/types/dist/echarts";

// The ESM type declarations of ECharts 5.6 use relative imports without file
// extensions, which NodeNext resolution rejects, so the package cannot be
// imported with types. Its CommonJS bundle is loaded instead and typed with
// the self-contained types/dist/echarts.d.ts.
const echarts = createRequire(import.meta.url)("echarts") as typeof import("echarts/types/dist/echarts");

/**
 * ECharts' default 9 colors followed by 7 more distinct ones, so a study's
 * 14 variants each get their own color. Series after the sixteenth reuse
 * the palette with dashed lines.
 */
const PALETTE = [
  "#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de", "#3ba272", "#fc8452", "#9a60b4", "#ea7ccc",
  "#1b1b1b", "#8c564b", "#17becf", "#bcbd22", "#7f7f7f", "#2ca02c", "#d62728",
];

/**
 * Without a canvas, ECharts lays out legends and labels with a built-in
 * table of Helvetica/Arial glyph widths, so the charts ask for those fonts
 * (or the metric-compatible Liberation Sans) to make the layout match.
 */
const FONT_FAMILY = "Arial, Helvetica, 'Liberation Sans', sans-serif";

/** One line of a line chart: (x, y) points in x order. */
export interface LineSeries {
  name: string;
  points: Array<[number, number]>;
}

export interface LineChartSpec {
  /** Axis names, with units, e.g. "epoch" or "seconds". */
  xName: string;
  yName: string;
  series: LineSeries[];
  /** Pixels. Default 640. */
  width?: number;
  /** Pixels of the plot area and axes, without the legend. Default 300. */
  plotHeight?: number;
  /** Whether the x values are whole numbers (epochs). Default false. */
  integerX?: boolean;
}

/** One bar of a horizontal bar chart. A null value draws no bar, only the label. */
export interface BarItem {
  name: string;
  value: number | null;
  /** Text to the right of the bar, e.g. "12.3 s" or "not reached". */
  label: string;
}

export interface BarChartSpec {
  /** Name of the value axis, with its unit. */
  valueName: string;
  items: BarItem[];
  /** Pixels. Default 640. */
  width?: number;
}

/** Renders lines with a legend below the plot, and returns the SVG markup. */
export function renderLineChart(spec: LineChartSpec): string {
  const width = spec.width ?? 640;
  const plotHeight = spec.plotHeight ?? 300;
  const legendRows = estimateLegendRows(spec.series.map((s) => s.name), width - 40);
  const legendHeight = legendRows * 22;
  const height = plotHeight + legendHeight + 16;
  const range = robustRange(spec.series);
  const xMax = Math.max(...spec.series.flatMap((s) => s.points.map(([x]) => x)));
  const option: EChartsOption = {
    animation: false,
    textStyle: { fontFamily: FONT_FAMILY },
    legend: { bottom: 4, left: 20, right: 20, itemGap: 20 },
    grid: { top: 36, left: 16, right: 48, bottom: legendHeight + 40, containLabel: true },
    xAxis: {
      type: "value",
      name: spec.xName,
      nameLocation: "middle",
      nameGap: 26,
      minInterval: spec.integerX ? 1 : undefined,
      min: spec.integerX ? 1 : undefined,
      max: spec.integerX && Number.isFinite(xMax) ? xMax : undefined,
    },
    yAxis: {
      type: "value",
      name: range.capped ? `${spec.yName} (axis capped at ${tickLabel(Number(range.max.toPrecision(3)))})` : spec.yName,
      scale: true,
      max: range.capped ? range.max : undefined,
      nameTextStyle: { align: "left" },
      axisLabel: { formatter: (value: number) => tickLabel(value) },
    },
    series: spec.series.map((s, index) => ({
      type: "line",
      name: s.name,
      data: s.points,
      showSymbol: s.points.length <= 40,
      symbolSize: 5,
      color: PALETTE[index % PALETTE.length],
      lineStyle: { width: 2, type: index < PALETTE.length ? "solid" : "dashed" },
    })),
  };
  return renderSvg(option, width, height);
}

/**
 * Renders horizontal bars, one category per item in the given order from the
 * top, each labeled on its right, and returns the SVG markup.
 */
export function renderBarChart(spec: BarChartSpec): string {
  const width = spec.width ?? 640;
  const height = 70 + spec.items.length * 30;
  const option: EChartsOption = {
    animation: false,
    textStyle: { fontFamily: FONT_FAMILY },
    grid: { top: 16, left: 16, right: 110, bottom: 36, containLabel: true },
    xAxis: { type: "value", name: spec.valueName, nameLocation: "middle", nameGap: 26, min: 0 },
    yAxis: {
      type: "category",
      inverse: true,
      data: spec.items.map((item) => item.name),
      axisLabel: { width: 220, overflow: "truncate" },
    },
    series: [
      {
        type: "bar",
        barMaxWidth: 18,
        data: spec.items.map((item, index) => ({
          value: item.value ?? 0,
          itemStyle: { color: item.value === null ? "#b0b0b0" : PALETTE[index % PALETTE.length] },
          // A function formatter keeps ECharts from reading `{...}` in the text as a template.
          label: { show: true, position: "right", formatter: () => item.label, color: item.value === null ? "#a33" : "#333" },
        })),
      },
    ],
  };
  return renderSvg(option, width, height);
}

function renderSvg(option: EChartsOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width, height });
  try {
    chart.setOption(option);
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/**
 * Estimates how many rows ECharts' plain legend wraps into, from an average
 * glyph width of 7 px at 12 px font size plus the 25 px icon and the item gap.
 * It is an estimate, and a value too small lets the legend overlap the x-axis name.
 */
function estimateLegendRows(names: string[], width: number): number {
  let rows = 1;
  let used = 0;
  for (const name of names) {
    const itemWidth = 25 + 5 + name.length * 7 + 20;
    if (used > 0 && used + itemWidth > width) {
      rows++;
      used = 0;
    }
    used += itemWidth;
  }
  return names.length === 0 ? 0 : rows;
}

/**
 * Returns the y-axis top for a set of curves: the data maximum, unless a few
 * diverging curves (a run that blew up to 1e22, say) would flatten all the
 * others. Then the axis stops at p90 + 2 (p90 - p10) of all points, and
 * those curves leave the plot at the top.
 */
function robustRange(series: LineSeries[]): { max: number; capped: boolean } {
  const values = series
    .flatMap((s) => s.points.map(([, y]) => y))
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  if (values.length < 10) return { max: values[values.length - 1] ?? 1, capped: false };
  const quantile = (q: number) => values[Math.min(values.length - 1, Math.floor(q * values.length))]!;
  const p10 = quantile(0.1);
  const p90 = quantile(0.9);
  const cap = p90 + 2 * (p90 - p10);
  const max = values[values.length - 1]!;
  return max > cap && cap > p10 ? { max: cap, capped: true } : { max, capped: false };
}

/** Axis tick text without float noise such as 8.0000000000000005e+34. */
function tickLabel(value: number): string {
  if (value === 0) return "0";
  const abs = Math.abs(value);
  return abs >= 1e6 || abs < 1e-4 ? value.toExponential(2) : String(Number(value.toPrecision(6)));
}
