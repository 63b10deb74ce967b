// Kafka Connect: connectors and tasks by state, what failed first with its
// Java trace, every connector's type, class, worker, topics and tasks, and
// each sink's consumer group with its lag and status (from the group API)
// and its lag over time (from the history).

import { api, type ConnectCluster, type ConnectPoll, type ConnectTask, type Connector, type ConnectWorker, type GroupDetail } from "../api";
import { badge, groupStatus, type Tone } from "../badges";
import { Chart } from "../chart";
import { fill, h, type Child } from "../dom";
import { ago, count, UNKNOWN } from "../format";
import { anyOf, quote } from "../history";
import type { Page, PageContext } from "../page";
import { linkTo } from "../route";
import { table, type Column } from "../table";
import { tiles, type Tile } from "../tiles";
import { configHint } from "./quorum";

const STATE_TONES: Record<string, Tone> = {
  RUNNING: "ok",
  PAUSED: "idle",
  STOPPED: "idle",
  FAILED: "bad",
  UNASSIGNED: "warn",
  RESTARTING: "warn",
};

/** The order of the state tiles: what needs a look first. */
const STATE_ORDER = ["FAILED", "UNASSIGNED", "RESTARTING", "RUNNING", "PAUSED", "STOPPED"];

export function connectState(state: string): HTMLElement {
  return badge(state, STATE_TONES[state] ?? "idle");
}

/** A Java trace, folded to its first line until opened. */
export function trace(text: string, name: string): HTMLElement {
  const first = text.split("\n", 1)[0];
  return h(
    "details",
    { class: "trace", "data-trace": name },
    h("summary", null, h("code", null, first)),
    h("pre", { class: "mono" }, text),
  );
}

/** A connector's topics as used, else (none used yet, or not read) as configured. */
function topicsOf(c: Connector): string[] {
  if (c.topics?.length) return c.topics;
  return [c.config_topics, c.config_topic].filter((t): t is string => !!t).flatMap((t) => t.split(",").map((s) => s.trim()));
}

interface Failure {
  key: string;
  what: string;
  worker: string | null;
  trace: string | null;
}

/** Failed connectors and failed tasks, in connector order. */
function failures(cluster: ConnectCluster): Failure[] {
  const out: Failure[] = [];
  for (const c of cluster.connectors) {
    if (c.state === "FAILED") out.push({ key: c.name, what: `connector ${c.name}`, worker: c.worker, trace: c.trace });
    for (const t of c.tasks) {
      if (t.state === "FAILED") out.push({ key: `${c.name}/${t.id}`, what: `task ${c.name}/${t.id}`, worker: t.worker, trace: t.trace });
    }
  }
  return out;
}

function rank(c: Connector): number {
  const failed = c.state === "FAILED" || c.tasks.some((t) => t.state === "FAILED");
  return failed ? 0 : c.state === "RUNNING" && c.tasks.every((t) => t.state === "RUNNING") ? 2 : 1;
}

function taskCell(c: Connector): Child {
  if (!c.tasks.length) return h("span", { class: "muted" }, "no tasks");
  return c.tasks.map((t: ConnectTask) =>
    h(
      "span",
      { class: "task", "data-task": `${c.name}/${t.id}`, title: `on ${t.worker ?? "no worker"}${t.restarts ? `, ${t.restarts} restarts seen` : ""}` },
      `${t.id} `,
      connectState(t.state),
    ),
  );
}

function groupCell(ctx: PageContext, c: Connector, groups: Map<string, GroupDetail | null>): Child {
  if (!c.consumer_group) return UNKNOWN;
  const g = groups.get(c.consumer_group);
  return [
    h("a", { href: linkTo(ctx.route, ctx.cluster, "group", c.consumer_group), "data-nav": true }, c.consumer_group),
    g ? [" ", groupStatus(g.status), h("div", { class: "muted", "data-group-lag": c.consumer_group }, `lag ${count(g.lag_sum)}`)] : h("div", { class: "muted" }, "not in the latest cycle"),
  ];
}

function connectorColumns(ctx: PageContext, groups: Map<string, GroupDetail | null>): Column<Connector>[] {
  return [
    { key: "name", label: "Connector", cell: (c) => h("strong", null, c.name), value: (c) => c.name },
    { key: "state", label: "State", cell: (c) => connectState(c.state), value: (c) => c.state },
    { key: "type", label: "Type", cell: (c) => c.kind, value: (c) => c.kind },
    { key: "class", label: "Class", cell: (c) => (c.class ? h("code", { title: c.class }, c.class.split(".").pop() ?? c.class) : UNKNOWN), value: (c) => c.class },
    { key: "worker", label: "Worker", cell: (c) => (c.worker ? h("code", null, c.worker) : UNKNOWN), value: (c) => c.worker },
    { key: "topics", label: "Topics", cell: (c) => topicsOf(c).map((t) => h("a", { class: "label", href: linkTo(ctx.route, ctx.cluster, "topic", t), "data-nav": true }, t)) },
    { key: "tasks", label: "Tasks", cell: taskCell, value: (c) => c.tasks.map((t) => t.state).join(",") },
    { key: "restarts", label: "Restarts", numeric: true, cell: (c) => count(c.restarts + c.tasks.reduce((s, t) => s + t.restarts, 0)), value: (c) => c.restarts },
    { key: "group", label: "Consumer group", cell: (c) => groupCell(ctx, c, groups), value: (c) => c.consumer_group },
  ];
}

const workerColumns: Column<ConnectWorker>[] = [
  { key: "worker", label: "Worker", cell: (w) => h("code", null, w.id), value: (w) => w.id },
  {
    key: "status",
    label: "Status",
    cell: (w) => (w.reachable === null ? badge("not polled", "idle", "No configured URL names this worker") : w.reachable ? badge("up", "ok") : badge("down", "bad")),
    value: (w) => String(w.reachable),
  },
  { key: "version", label: "Version", cell: (w) => w.version ?? UNKNOWN },
  { key: "connectors", label: "Connectors", numeric: true, cell: (w) => count(w.connectors), value: (w) => w.connectors },
  { key: "tasks", label: "Tasks", numeric: true, cell: (w) => count(w.tasks), value: (w) => w.tasks },
];

/** Every cluster's counts by state summed, known states first. */
function summed(clusters: ConnectCluster[], of: (c: ConnectCluster) => Record<string, number>): Map<string, number> {
  const sums = new Map<string, number>(STATE_ORDER.map((s) => [s, 0]));
  for (const c of clusters) for (const [state, n] of Object.entries(of(c))) sums.set(state, (sums.get(state) ?? 0) + n);
  return sums;
}

function stateTiles(clusters: ConnectCluster[]): Tile[] {
  const connectors = summed(clusters, (c) => c.connectors_by_state);
  const tasks = summed(clusters, (c) => c.tasks_by_state);
  return [...connectors].map(([state, n]) => ({
    id: `connectors-${state.toLowerCase()}`,
    label: `${state.charAt(0)}${state.slice(1).toLowerCase()}`,
    value: count(n),
    detail: `connectors; ${count(tasks.get(state) ?? 0)} tasks`,
    tone: n > 0 || (tasks.get(state) ?? 0) > 0 ? STATE_TONES[state] : undefined,
  }));
}

function clusterSection(ctx: PageContext, cluster: ConnectCluster, groups: Map<string, GroupDetail | null>): HTMLElement {
  const failed = failures(cluster);
  const connectors = [...cluster.connectors].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
  return h(
    "section",
    { class: "panel", "data-connect-cluster": cluster.name },
    h(
      "header",
      { class: "panel-head" },
      h("h3", null, `Connect cluster ${cluster.name}`),
      h(
        "span",
        { class: "muted" },
        cluster.answered_by ? `Kafka ${cluster.version ?? UNKNOWN}, read from ${cluster.answered_by}` : badge("no worker answered", "bad", cluster.urls.join(", ")),
      ),
    ),
    cluster.problems.length ? h("ul", { class: "problems" }, cluster.problems.map((p) => h("li", null, p))) : null,
    failed.length
      ? h(
          "div",
          { class: "failures", "data-panel": "connect-failures" },
          h("h4", null, "Failed"),
          failed.map((f) =>
            h(
              "div",
              { class: "failure", "data-failure": f.key },
              h("strong", null, f.what), " ", badge("FAILED", "bad"), h("span", { class: "muted" }, ` on ${f.worker ?? "no worker"}`),
              f.trace ? trace(f.trace, f.key) : h("div", { class: "muted" }, "Connect gave no trace"),
            ),
          ),
        )
      : null,
    table(connectorColumns(ctx, groups), connectors, { key: (c) => c.name, name: "connectors", empty: "No connectors" }),
    h("h4", null, "Workers"),
    table(workerColumns, cluster.workers, { key: (w) => w.id, name: "connect-workers", empty: "No workers known" }),
  );
}

export function connectPage(ctx: PageContext): Page {
  const figures = h("div", { class: "figures" });
  const body = h("div");
  const chartSlot = h("div", { class: "chart-row single" });
  let chart: Chart | null = null;
  let charted = "";
  const element = h("div", { class: "page connect" }, figures, body, chartSlot);

  /** The sinks' lag over time, one line per group; rebuilt when the groups change. */
  function lagChart(names: string[]): Chart | null {
    const key = names.join("\n");
    if (key === charted) return chart;
    chart?.dispose();
    charted = key;
    chart = names.length
      ? new Chart({
          id: "connect-sink-lag",
          title: "Sink connectors' lag (messages)",
          lines: [
            {
              query: `sum by (consumergroup) (kafka_consumergroup_lag_sum{cluster=${quote(ctx.cluster)},consumergroup=~${anyOf(names)}})`,
              label: (labels) => labels.consumergroup ?? "lag",
            },
          ],
          format: count,
        })
      : null;
    fill(chartSlot, chart?.element ?? null);
    return chart;
  }

  return {
    title: "Connect",
    element,
    async update(signal) {
      const poll: ConnectPoll | null = await api.connect(ctx.cluster);
      if (signal.aborted) return;
      const clusters = poll?.figures.connect?.clusters ?? null;
      if (poll === null || clusters === null) {
        fill(figures);
        lagChart([]);
        fill(
          body,
          h(
            "section",
            { class: "panel" },
            configHint(
            "connect",
            "Kafka Connect is not watched for this cluster.",
            "Add a [clusters.connect] section naming each Connect cluster's worker REST URLs to this cluster in the config file, and kafkascope lists its connectors and tasks here.",
            '[clusters.connect]\n[[clusters.connect.clusters]]\nname = "connect-main"\nurls = ["http://connect-1:8083"]',
            ),
          ),
        );
        return;
      }
      const sinkGroups = [...new Set(clusters.flatMap((c) => c.connectors.filter((k) => k.kind === "sink" && k.consumer_group).map((k) => k.consumer_group as string)))].sort();
      // The group API answers 404 for a group the last cycle did not see.
      const details = await Promise.all(sinkGroups.map((g) => api.group(ctx.cluster, g, { limit: 1 }).catch(() => null)));
      if (signal.aborted) return;
      const groups = new Map(sinkGroups.map((g, i) => [g, details[i]]));
      const workersDown = clusters.flatMap((c) => c.workers).filter((w) => w.reachable === false).length;
      fill(
        figures,
        tiles([
          ...stateTiles(clusters),
          { id: "workers", label: "Workers", value: count(clusters.reduce((s, c) => s + c.workers.length, 0)), detail: workersDown ? `${workersDown} not answering` : `polled ${ago(poll.polled_at_ms)}`, tone: workersDown ? "bad" : undefined },
        ]),
      );
      fill(body, clusters.length ? clusters.map((c) => clusterSection(ctx, c, groups)) : h("div", { class: "banner" }, "No Connect cluster is configured."));
      await lagChart(sinkGroups)?.load(ctx.range, signal);
    },
    dispose() {
      chart?.dispose();
    },
  };
}
