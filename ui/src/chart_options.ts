// How a chart looks: 24-hour time axis with the day where it changes, a
// y axis from zero in the chart's unit, points where history is too sparse
// for lines to show, and a legend that shows each series' latest value
// until the cursor points at another instant.

import type uPlot from "uplot";

import { clock, dayMonth } from "./format";

export const HEIGHT = 200;

/** Lines need this many pixels per point to be seen as lines. */
const MIN_PIXELS_PER_POINT = 6;

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function seriesColor(index: number): string {
  return cssVar(`--series-${(index % 6) + 1}`);
}

/** Tick labels for the time axis: seconds only when ticks are that close. */
function timeTicks(ticks: number[], increment: number): string[] {
  let lastDay = "";
  return ticks.map((t) => {
    const ms = t * 1000;
    const day = dayMonth(ms);
    if (increment >= 86400) return day;
    const time = increment < 60 ? clock(ms) : clock(ms).slice(0, 5);
    const label = day === lastDay ? time : `${time}\n${day}`;
    lastDay = day;
    return label;
  });
}

/** uPlot's default least room between time ticks, in CSS pixels. */
const TICK_SPACE = 50;

/**
 * Room between time ticks: "15:31:30" needs more than "15:31", and at the
 * default room the ticks of a range of a few minutes fall under a minute
 * apart, where the labels carry seconds and run into each other.
 */
function timeTickSpace(_u: uPlot, _axis: number, min: number, max: number, pixels: number): number {
  return ((max - min) / pixels) * TICK_SPACE < 60 ? 72 : TICK_SPACE;
}

/**
 * Room for the value axis: its longest label plus tick and gap, so a wide
 * label ("0.75 msg/s", "1.5 kB/s") is not cut at the chart's edge.
 */
function valueAxisSize(u: uPlot, values: string[] | null, axisIndex: number): number {
  // uPlot keeps an axis's resolved font as [css font, device px, css px].
  const axis = u.axes[axisIndex] as uPlot.Axis & { font: [string, number, number] };
  const longest = (values ?? []).reduce((a, b) => (b.length > a.length ? b : a), "");
  u.ctx.font = axis.font[0];
  const width = u.ctx.measureText(longest).width / devicePixelRatio;
  return Math.max(50, Math.ceil(width + (axis.ticks?.size ?? 10) + (axis.gap ?? 5) + 4));
}

function lastKnown(values: ArrayLike<number | null | undefined>): number | null {
  for (let i = values.length - 1; i >= 0; i -= 1) {
    const v = values[i];
    if (v !== null && v !== undefined) return v;
  }
  return null;
}

/** One or two points, or points far apart, would draw nothing as a line. */
function sparse(u: uPlot, seriesIndex: number): boolean {
  const times = u.data[0];
  const values = u.data[seriesIndex];
  const known = times.filter((_, i) => values[i] !== null && values[i] !== undefined);
  if (known.length <= 2) return true;
  const width = u.valToPos(known[known.length - 1], "x") - u.valToPos(known[0], "x");
  return width / (known.length - 1) >= MIN_PIXELS_PER_POINT;
}

export interface PlotSpec {
  labels: string[];
  start: number;
  end: number;
  width: number;
  format: (value: number) => string;
}

export function plotOptions(spec: PlotSpec): uPlot.Options {
  const { format, start, end } = spec;
  const axis = { stroke: cssVar("--muted"), grid: { stroke: cssVar("--grid"), width: 1 }, ticks: { stroke: cssVar("--grid"), width: 1 } };
  return {
    width: spec.width,
    height: HEIGHT,
    // Every charted figure is a count, rate or age: start the y axis at 0
    // so a small wobble does not look like a cliff.
    scales: {
      x: { time: true, range: () => [start, end] },
      y: { range: (_u: uPlot, _min: number, max: number) => [0, max > 0 ? max * 1.1 : 1] },
    },
    series: [
      {
        label: "Time",
        value: (_u: uPlot, t: number | null, _s: number, idx: number | null) =>
          idx === null || t === null ? "latest" : `${dayMonth(t * 1000)} ${clock(t * 1000)}`,
      },
      ...spec.labels.map((label, i) => ({
        label,
        stroke: seriesColor(i),
        width: 1.5,
        points: { show: sparse, size: 5, fill: seriesColor(i) },
        value: (u: uPlot, v: number | null, s: number, idx: number | null) => {
          const shown = idx === null ? lastKnown(u.data[s]) : v;
          return shown === null ? "—" : format(shown);
        },
      })),
    ],
    axes: [
      {
        ...axis,
        space: timeTickSpace,
        values: (_u: uPlot, ticks: number[], _a: number, _space: number, increment: number) => timeTicks(ticks, increment),
      },
      { ...axis, size: valueAxisSize, values: (_u: uPlot, ticks: number[]) => ticks.map(format) },
    ],
    legend: { show: true },
    cursor: { drag: { x: false, y: false } },
  };
}
