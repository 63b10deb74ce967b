// One time-series chart (uPlot) fed by PromQL queries over the picked time
// range. Each query may return several series (e.g. one per topic); they
// are drawn on one x axis fixed to the picked range, so changing the range
// visibly changes the chart even where history is sparse.

import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

import { h, fill } from "./dom";
import { queryRange, type History, type Series } from "./history";
import { resolveRange, stepFor, type TimeRange } from "./time_range";

export interface ChartLine {
  query: string;
  /** The legend label of one returned series. */
  label: (labels: Record<string, string>) => string;
}

export interface ChartSpec {
  /** Stable name, used by tests and as the element's `data-chart`. */
  id: string;
  title: string;
  lines: ChartLine[];
  /** Formats an axis tick or a value: "1.2k msg/s". */
  format: (value: number) => string;
}

const HEIGHT = 200;

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function seriesColor(index: number): string {
  return cssVar(`--series-${(index % 6) + 1}`);
}

interface Drawn {
  label: string;
  points: [number, number][];
}

/** Timestamps of every series merged, each series' values on that grid. */
function aligned(drawn: Drawn[]): uPlot.AlignedData {
  const times = [...new Set(drawn.flatMap((d) => d.points.map(([t]) => t)))].sort((a, b) => a - b);
  const columns = drawn.map((d) => {
    const byTime = new Map(d.points);
    return times.map((t) => byTime.get(t) ?? null);
  });
  return [times, ...columns];
}

export class Chart {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private readonly latest: HTMLElement;
  private plot: uPlot | null = null;
  private resize: ResizeObserver | null = null;

  constructor(private readonly spec: ChartSpec) {
    this.latest = h("span", { class: "chart-latest" });
    this.body = h("div", { class: "chart-body" });
    this.element = h(
      "section",
      { class: "panel chart", "data-chart": spec.id },
      h("header", { class: "panel-head" }, h("h3", null, spec.title), this.latest),
      this.body,
    );
  }

  /** Queries the range and redraws; keeps the old drawing until the answer. */
  async load(range: TimeRange, signal?: AbortSignal): Promise<void> {
    const { start, end } = resolveRange(range);
    const step = stepFor(start, end);
    Object.assign(this.element.dataset, { start: String(start), end: String(end), step: String(step) });
    const answers = await Promise.all(
      this.spec.lines.map((line) => queryRange(line.query, start, end, step, signal)),
    );
    if (signal?.aborted) return;
    const drawn = this.spec.lines.flatMap((line, i) => drawnLines(line, answers[i]));
    if (drawn.length === 0) {
      const reason = answers.find((a) => a.kind === "none");
      this.showEmpty(reason?.kind === "none" ? reason.reason : "nothing recorded in this time range");
      return;
    }
    this.draw(drawn, start, end);
  }

  dispose(): void {
    this.resize?.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }

  private showEmpty(reason: string): void {
    this.dispose();
    this.element.dataset.state = "empty";
    fill(this.latest);
    fill(
      this.body,
      h("div", { class: "chart-empty", style: `height:${HEIGHT}px` }, h("strong", null, "No history yet"), h("span", null, reason)),
    );
  }

  private draw(drawn: Drawn[], start: number, end: number): void {
    this.dispose();
    this.element.dataset.state = "drawn";
    this.element.dataset.series = String(drawn.length);
    const format = this.spec.format;
    const last = drawn[0].points[drawn[0].points.length - 1][1];
    fill(this.latest, drawn.length === 1 ? `${format(last)} now` : "");
    fill(this.body);
    const axis = { stroke: cssVar("--muted"), grid: { stroke: cssVar("--grid"), width: 1 }, ticks: { stroke: cssVar("--grid"), width: 1 } };
    const options: uPlot.Options = {
      width: Math.max(300, this.body.clientWidth || 600),
      height: HEIGHT,
      // Every charted figure is a count, rate or age: start the y axis at 0
      // so a small wobble does not look like a cliff.
      scales: {
        x: { time: true, range: () => [start, end] },
        y: { range: (_u: uPlot, _min: number, max: number) => [0, max > 0 ? max * 1.1 : 1] },
      },
      series: [
        {},
        ...drawn.map((d, i) => ({
          label: d.label,
          stroke: seriesColor(i),
          width: 1.5,
          points: { show: false },
          value: (_u: uPlot, v: number | null) => (v === null ? "—" : format(v)),
        })),
      ],
      axes: [axis, { ...axis, size: 80, values: (_u: uPlot, ticks: number[]) => ticks.map(format) }],
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
    };
    this.plot = new uPlot(options, aligned(drawn), this.body);
    this.resize = new ResizeObserver(() => {
      const width = this.body.clientWidth;
      if (this.plot && width > 0 && Math.abs(width - this.plot.width) > 2) {
        this.plot.setSize({ width, height: HEIGHT });
      }
    });
    this.resize.observe(this.body);
  }
}

function drawnLines(line: ChartLine, answer: History): Drawn[] {
  if (answer.kind === "none") return [];
  return answer.series.map((s: Series) => ({ label: line.label(s.labels), points: s.points }));
}
