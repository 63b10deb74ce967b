// What the brokers' own log files told: ISR shrinks and expands, elections,
// controller changes, fencing, log dir failures, OOMs... newest first and
// paged, filtered by broker, kind and level (all in the URL), each with the
// nodes that told it, its fields and the log lines it was read from. Also
// the markers other pages' charts draw at the times of events.

import { api, type LogEvent } from "../api";
import { badge, type Tone } from "../badges";
import { fill, h, type Child } from "../dom";
import { clock, count, dayMonth, UNKNOWN } from "../format";
import { listState, pageHref, pageParams } from "../list_controls";
import type { Page, PageContext } from "../page";
import { pager } from "../pager";
import { withParams } from "../route";
import { table, type Column } from "../table";
import { tiles } from "../tiles";
import { resolveRange, type TimeRange } from "../time_range";
import { configHint } from "./quorum";

/** Every kind the log follower detects (kafkascope_logs::EventKind), worst first. */
export const EVENT_KINDS = [
  "log_dir_failure",
  "out_of_memory",
  "too_many_open_files",
  "broker_fenced",
  "broker_shutdown",
  "isr_shrink",
  "leader_election",
  "controller_change",
  "authentication_failure",
  "log_cleaner_error",
  "log_flush_slow_or_failed",
  "error_burst",
  "broker_registered",
  "broker_unfenced",
  "isr_expand",
];

const KIND_TONES: Record<string, Tone> = {
  log_dir_failure: "bad",
  out_of_memory: "bad",
  too_many_open_files: "bad",
  broker_fenced: "bad",
  isr_shrink: "warn",
  broker_shutdown: "warn",
  leader_election: "warn",
  authentication_failure: "warn",
  log_cleaner_error: "bad",
  log_flush_slow_or_failed: "warn",
  error_burst: "bad",
  controller_change: "idle",
  broker_registered: "ok",
  broker_unfenced: "ok",
  isr_expand: "ok",
};

const LEVELS = ["FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE"];
const LEVEL_TONES: Record<string, Tone> = { FATAL: "bad", ERROR: "bad", WARN: "warn" };

export function kindBadge(kind: string): HTMLElement {
  return badge(kind.replace(/_/g, " "), KIND_TONES[kind] ?? "idle");
}

/** The nodes that told an event: "0, 1" for a change every node logged. */
export function toldBy(e: LogEvent): string {
  const nodes = e.reported_by?.length ? e.reported_by : e.broker === null ? [] : [e.broker];
  return nodes.length ? nodes.join(", ") : UNKNOWN;
}

function fieldValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.join(",")}]`;
  if (value === null) return "none";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** Fields read first, in this order; the others follow by name. */
const FIRST_FIELDS = ["topic", "partition", "broker", "old_isr", "new_isr", "leader", "previous_leader"];

function fieldOrder(name: string): number {
  const at = FIRST_FIELDS.indexOf(name);
  return at < 0 ? FIRST_FIELDS.length : at;
}

function fieldsCell(e: LogEvent): Child {
  return Object.entries(e.fields)
    .sort(([a], [b]) => fieldOrder(a) - fieldOrder(b) || a.localeCompare(b))
    .map(([name, value]) => h("code", { class: "label", "data-field": name }, `${name}=${fieldValue(value)}`));
}

/** The record's lines, folded to the first until opened. */
function linesCell(e: LogEvent): Child {
  if (!e.lines.length) return UNKNOWN;
  return h(
    "details",
    { class: "trace", "data-lines": e.id },
    h("summary", null, h("code", null, e.lines[0].length > 160 ? `${e.lines[0].slice(0, 160)}…` : e.lines[0])),
    h("pre", { class: "mono" }, e.lines.join("\n"), e.lines_cut ? `\n… ${e.lines_cut} more lines` : ""),
    h("div", { class: "muted" }, `${e.file}:${e.line}, ${e.logger} [${e.thread}]`),
  );
}

const columns: Column<LogEvent>[] = [
  { key: "time", label: "Time", cell: (e) => [clock(e.time_ms), h("div", { class: "muted" }, dayMonth(e.time_ms))], value: (e) => e.time_ms },
  { key: "broker", label: "Told by", numeric: true, cell: toldBy, value: (e) => e.broker },
  { key: "kind", label: "Event", cell: (e) => kindBadge(e.kind), value: (e) => e.kind },
  { key: "level", label: "Level", cell: (e) => (e.level ? badge(e.level, LEVEL_TONES[e.level] ?? "idle") : UNKNOWN), value: (e) => e.level },
  { key: "fields", label: "What", cell: fieldsCell },
  { key: "lines", label: "Log lines", cell: linesCell },
];

function select(name: string, label: string, current: string | null, options: [string, string][], onChange: (value: string) => void): HTMLElement {
  return h(
    "label",
    { class: "filter" },
    `${label} `,
    h(
      "select",
      { "data-control": `events-${name}`, onchange: (event: Event) => onChange((event.target as HTMLSelectElement).value) },
      h("option", { value: "" }, "any"),
      options.map(([value, text]) => h("option", { value, selected: value === current }, text)),
    ),
  );
}

/** The range's instants in Unix milliseconds. */
export function rangeMs(range: TimeRange): { since: number; until: number } {
  const { start, end } = resolveRange(range);
  return { since: start * 1000, until: end * 1000 };
}

export function eventsPage(ctx: PageContext): Page {
  const figures = h("div", { class: "figures" });
  const filters = h("div", { class: "list-controls" });
  const list = h("section", { class: "panel" });
  const element = h("div", { class: "page events" }, figures, filters, list);
  const param = (name: string) => ctx.route.params.get(name) || null;
  const change = (name: string) => (value: string) => ctx.replace(withParams(ctx.route, { [name]: value || null, page: null }));

  return {
    title: "Events",
    element,
    async update(signal) {
      const broker = param("broker");
      const kind = param("kind");
      const level = param("level");
      const topic = param("topic");
      const state = listState(ctx, null, "desc");
      const { offset, limit } = pageParams(state);
      const [{ brokers }, page] = await Promise.all([
        api.brokers(ctx.cluster),
        api.events(ctx.cluster, { broker, kind, level, topic, ...rangeMs(ctx.range), offset, limit }),
      ]);
      if (signal.aborted) return;
      if (page === null) {
        fill(figures);
        fill(filters);
        fill(
          list,
          configHint(
            "broker_logs",
            "The brokers' log files are not followed for this cluster.",
            "Add a [clusters.broker_logs] section naming each broker's log folder (server.log, controller.log, state-change.log) to list the ISR shrinks, elections, fencing and failures they tell of here.",
            '[clusters.broker_logs]\n[[clusters.broker_logs.brokers]]\nbroker = 1\npaths = ["/var/log/kafka/"]',
          ),
        );
        return;
      }
      fill(
        figures,
        tiles([
          { id: "events", label: "Events", value: count(page.total), detail: "in the picked range" },
          ...EVENT_KINDS.filter((k) => page.kinds[k]).map((k) => ({
            id: `kind-${k}`,
            label: k.replace(/_/g, " "),
            value: count(page.kinds[k]),
            tone: KIND_TONES[k],
          })),
        ]),
      );
      fill(
        filters,
        select("broker", "Broker", broker, brokers.map((b) => [String(b.id), String(b.id)]), change("broker")),
        select("kind", "Event", kind, EVENT_KINDS.map((k) => [k, k.replace(/_/g, " ")]), change("kind")),
        select("level", "Level", level, LEVELS.map((l) => [l, l]), change("level")),
      );
      fill(
        list,
        h("header", { class: "panel-head" }, h("h3", null, "Log events"), h("span", { class: "muted" }, "newest first")),
        table(columns, page.events, { key: (e) => String(e.id), name: "events", empty: "No events in this range match" }),
        page.total > state.size || state.page > 0
          ? pager({ total: page.total, page: state.page, size: state.size, href: pageHref(ctx), noun: "events" })
          : null,
      );
    },
    dispose() {},
  };
}

/**
 * Draws `events` as vertical marks on a drawn chart: its x axis is fixed to
 * the range in its `data-start`/`data-end`, so an instant's place is a
 * share of the plotting area's width.
 */
export function markEvents(chart: HTMLElement, events: LogEvent[]): void {
  const over = chart.querySelector<HTMLElement>(".u-over");
  const start = Number(chart.dataset.start);
  const end = Number(chart.dataset.end);
  if (!over || !(end > start)) return;
  over.querySelectorAll(".event-mark").forEach((m) => m.remove());
  for (const e of events) {
    const share = (e.time_ms / 1000 - start) / (end - start);
    if (share < 0 || share > 1) continue;
    const what = Object.entries(e.fields).map(([n, v]) => `${n}=${fieldValue(v)}`).join(" ");
    over.append(
      h("div", {
        class: `event-mark ${KIND_TONES[e.kind] ?? "idle"}`,
        style: `left:${(share * 100).toFixed(2)}%`,
        title: `${clock(e.time_ms)} told by ${toldBy(e)}: ${e.kind.replace(/_/g, " ")} ${what}`,
        "data-event-mark": e.kind,
      }),
    );
  }
}
