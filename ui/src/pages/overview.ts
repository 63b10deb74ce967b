// Cluster health at a glance: brokers, controller, partition problems,
// throughput charts and the consumer groups furthest behind.

import { api, type ClusterSummary, type GroupListItem } from "../api";
import { badge, groupState, groupStatus } from "../badges";
import { Chart } from "../chart";
import { fill, h } from "../dom";
import { byteRate, count, duration, exact, messageRate, UNKNOWN } from "../format";
import { quote } from "../history";
import type { Page, PageContext } from "../page";
import { ConcerningAlerts } from "./alerts";
import { linkTo } from "../route";
import { table, type Column } from "../table";
import { problemTone, tiles } from "../tiles";

const WORST_GROUPS = 10;

export function overviewPage(ctx: PageContext): Page {
  const cluster = quote(ctx.cluster);
  const charts = [
    new Chart({
      id: "messages-in",
      title: "Messages in",
      lines: [{ query: `sum(kafkascope_topic_messages_in_per_second{cluster=${cluster}})`, label: () => "messages in" }],
      format: messageRate,
    }),
    new Chart({
      id: "bytes-in",
      title: "Bytes in",
      lines: [{ query: `sum(kafkascope_topic_bytes_in_per_second{cluster=${cluster}})`, label: () => "bytes in" }],
      format: byteRate,
    }),
  ];
  const figures = h("div", { class: "figures" });
  // Every active alert of the cluster, worst first.
  const alerts = new ConcerningAlerts(ctx, []);
  const problems = h("div");
  const groups = h("section", { class: "panel" });
  const element = h(
    "div",
    { class: "page overview" },
    figures,
    alerts.element,
    problems,
    h("div", { class: "chart-row" }, charts.map((c) => c.element)),
    groups,
  );

  const groupColumns: Column<GroupListItem>[] = [
    { key: "name", label: "Group", cell: (g) => h("a", { href: linkTo(ctx.route, ctx.cluster, "group", g.name), "data-nav": true }, g.name) },
    { key: "status", label: "Status", cell: (g) => groupStatus(g.status), value: (g) => g.status },
    { key: "state", label: "State", cell: (g) => groupState(g.state), value: (g) => g.state },
    { key: "members", label: "Members", numeric: true, cell: (g) => count(g.member_count), value: (g) => g.member_count },
    { key: "lag", label: "Lag", numeric: true, cell: (g) => count(g.lag_sum), value: (g) => g.lag_sum },
    { key: "lag_seconds", label: "Lag (time)", numeric: true, cell: (g) => duration(g.lag_seconds_max), value: (g) => g.lag_seconds_max },
  ];

  return {
    title: "Overview",
    element,
    async update(signal) {
      const [summary, worst, errCount, warnCount] = await Promise.all([
        api.summary(ctx.cluster),
        api.groups(ctx.cluster, { sort: "lag_seconds", order: "desc", limit: WORST_GROUPS }),
        api.groups(ctx.cluster, { status: "ERR", limit: 0 }),
        api.groups(ctx.cluster, { status: "WARN", limit: 0 }),
        alerts.update(signal),
      ]);
      if (signal.aborted) return;
      fill(figures, tiles(summaryTiles(summary, errCount.total, warnCount.total, (status) => linkTo(ctx.route, ctx.cluster, "groups", null, { status }))));
      fill(problems, problemList(summary));
      fill(
        groups,
        h("header", { class: "panel-head" }, h("h3", null, "Consumer groups furthest behind"),
          h("a", { href: linkTo(ctx.route, ctx.cluster, "groups", null, { sort: "lag_seconds", order: "desc" }), "data-nav": true }, `All ${exact(summary.group_count)} groups ›`)),
        table(groupColumns, worst.groups, { key: (g) => g.name, name: "worst-groups", empty: "No consumer groups" }),
      );
      await Promise.all(charts.map((c) => c.load(ctx.range, signal)));
    },
    dispose() {
      charts.forEach((c) => c.dispose());
    },
  };
}

function summaryTiles(s: ClusterSummary, errGroups: number, warnGroups: number, groupsWith: (status: string) => string) {
  const down = s.broker_count - s.reachable_broker_count;
  return [
    {
      id: "brokers",
      label: "Brokers up",
      value: `${s.reachable_broker_count} / ${s.broker_count}`,
      detail: down > 0 ? `${down} unreachable` : "all reachable",
      tone: problemTone(down),
    },
    { id: "controller", label: "Controller", value: s.controller === null ? "none" : String(s.controller), tone: s.controller === null ? ("bad" as const) : undefined },
    { id: "topics", label: "Topics", value: count(s.topic_count), detail: `${exact(s.partition_count)} partitions` },
    { id: "offline", label: "Offline partitions", value: count(s.offline_partitions), tone: problemTone(s.offline_partitions) },
    { id: "under-replicated", label: "Under-replicated", value: count(s.under_replicated_partitions), tone: problemTone(s.under_replicated_partitions, "warn") },
    { id: "under-min-isr", label: "Under min ISR", value: count(s.under_min_isr_partitions), tone: problemTone(s.under_min_isr_partitions) },
    {
      id: "groups",
      label: "Consumer groups",
      value: count(s.group_count),
      detail: [
        h("a", { href: groupsWith("ERR"), "data-nav": true }, `${errGroups} ERR`),
        " · ",
        h("a", { href: groupsWith("WARN"), "data-nav": true }, `${warnGroups} WARN`),
      ],
      tone: errGroups > 0 ? ("bad" as const) : warnGroups > 0 ? ("warn" as const) : undefined,
    },
    {
      id: "collected",
      label: "Collected",
      value: s.collected_at_ms === null ? UNKNOWN : duration(Math.max(0, (Date.now() - s.collected_at_ms) / 1000)),
      detail: `ago · cycle took ${duration(s.cycle_duration_ms / 1000)}`,
      tone: s.stale ? ("bad" as const) : undefined,
    },
  ];
}

function problemList(s: ClusterSummary): HTMLElement | null {
  if (!s.stale && s.errors.length === 0) return null;
  return h(
    "section",
    { class: "panel problems", "data-panel": "errors" },
    h("header", { class: "panel-head" }, h("h3", null, s.stale ? "Stale: the last cycle failed" : "Problems in the last cycle")),
    h(
      "ul",
      null,
      s.errors.map((e) =>
        h("li", null, badge(e.kind, "bad"), " ", h("code", null, e.collector), e.broker === null ? "" : ` broker ${e.broker}: `, " ", e.message),
      ),
    ),
  );
}
