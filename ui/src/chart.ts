// One time-series chart (uPlot) fed by PromQL queries over the picked time
// range. Each query may return several series (e.g. one per topic); they
// are drawn on one x axis fixed to the picked range, so changing the range
// visibly changes the chart even where history is sparse.

import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

import { HEIGHT, plotOptions } from "./chart_options";
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
      this.showEmpty(answers);
      return;
    }
    this.draw(drawn, start, end, range.name !== "custom");
  }

  dispose(): void {
    this.resize?.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }

  /** Says why nothing is drawn: a failed query first, then missing history. */
  private showEmpty(answers: History[]): void {
    this.dispose();
    const failed = answers.find((a) => a.kind === "failed");
    const unavailable = answers.find((a) => a.kind === "unavailable");
    const [state, title, reason] =
      failed?.kind === "failed"
        ? ["error", "The chart's query failed", failed.reason]
        : unavailable?.kind === "unavailable"
          ? ["no-history", "No history yet", unavailable.reason]
          : ["no-data", "No data in this range", "kafkascope recorded none of these figures in the picked time range"];
    Object.assign(this.element.dataset, { state, series: "0", points: "0" });
    fill(this.latest);
    fill(
      this.body,
      h("div", { class: "chart-empty", style: `height:${HEIGHT}px` }, h("strong", null, title), h("span", null, reason)),
    );
  }

  private draw(drawn: Drawn[], start: number, end: number, endsNow: boolean): void {
    this.dispose();
    const points = drawn.reduce((n, d) => n + d.points.length, 0);
    Object.assign(this.element.dataset, { state: "drawn", series: String(drawn.length), points: String(points) });
    const format = this.spec.format;
    const last = drawn[0].points[drawn[0].points.length - 1][1];
    // The legend shows every series' latest value; the headline repeats a
    // lone series' value when the range ends now.
    fill(this.latest, drawn.length === 1 && endsNow ? `${format(last)} now` : "");
    fill(this.body);
    const width = Math.max(300, this.body.clientWidth || 600);
    const options = plotOptions({ labels: drawn.map((d) => d.label), start, end, width, format });
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
  if (answer.kind !== "series") return [];
  return answer.series.map((s: Series) => ({ label: line.label(s.labels), points: s.points }));
}
