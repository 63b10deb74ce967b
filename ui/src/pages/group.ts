// One consumer group: health figures, lag and lag-time history, consume
// against produce rate, the per-partition lag table (a page at a time,
// sorted and paged by the server) and the members.

import { api, type GroupDetail, type GroupMember, type GroupOffset } from "../api";
import { badge, groupState, groupStatus, groupType, partitionStatus } from "../badges";
import { Chart } from "../chart";
import { fill, h } from "../dom";
import { ago, count, duration, exact, messageRate, percent, UNKNOWN } from "../format";
import { anyOf, quote } from "../history";
import { pageParams, partitionPager, partitionState, sorting } from "../list_controls";
import type { Page, PageContext } from "../page";
import { ConcerningAlerts } from "./alerts";
import { linkTo } from "../route";
import { clientColumns } from "./clients";
import { table, type Column } from "../table";
import { tiles, type Tile } from "../tiles";

const SOURCES: Record<string, string> = {
  caught_up: "caught up",
  record_timestamp: "from the record's timestamp",
  estimated: "estimated from the log end history",
};

function forecastText(g: GroupDetail): string {
  if (!g.forecast) return UNKNOWN;
  if (g.forecast.trend === "catching_up") return `caught up in ${duration(g.forecast.seconds)}`;
  return `falling behind ${count(g.forecast.messages_per_minute)} msg/min`;
}

function deadText(g: GroupDetail): string {
  return g.dead_reasons
    .map((r) =>
      r.reason === "lag_without_members"
        ? "lagging without members"
        : r.reason === "no_commit_progress"
          ? `no commit progress for ${duration(r.seconds)}`
          : `rebalancing for ${duration(r.seconds)}`,
    )
    .join("; ");
}

function groupTiles(g: GroupDetail): Tile[] {
  return [
    { id: "status", label: "Status", value: groupStatus(g.status), detail: `window ${percent(g.complete)} full` },
    { id: "state", label: "State", value: groupState(g.state), detail: g.dead_reasons.length ? deadText(g) : `coordinator ${g.coordinator ?? UNKNOWN}`, tone: g.dead_reasons.length ? "bad" : undefined },
    { id: "type", label: "Type", value: groupType(g.type), detail: g.protocol || UNKNOWN },
    { id: "members", label: "Members", value: count(g.members.length), detail: `${count(g.rebalances)} rebalances seen` },
    { id: "lag", label: "Lag", value: count(g.lag_sum), detail: `max ${count(g.lag_max)} on one partition` },
    { id: "lag-seconds", label: "Lag (time)", value: duration(g.lag_seconds_max), detail: forecastText(g) },
    { id: "consumed", label: "Consumed", value: messageRate(g.messages_consumed_per_sec), detail: `${count(g.commits_per_sec)} commits/s` },
    { id: "last-commit", label: "Last commit", value: ago(g.last_commit_at_ms) },
  ];
}

export function groupPage(ctx: PageContext, group: string): Page {
  const selector = `cluster=${quote(ctx.cluster)},consumergroup=${quote(group)}`;
  const byTopic = (labels: Record<string, string>) => labels.topic ?? "all topics";
  const lagCharts = [
    new Chart({ id: "group-lag", title: "Lag (messages)", lines: [{ query: `kafka_consumergroup_lag_sum{${selector}}`, label: byTopic }], format: count }),
    new Chart({
      id: "group-lag-seconds",
      title: "Lag (time)",
      lines: [{ query: `kafkascope_consumergroup_topic_max_lag_seconds{${selector}}`, label: byTopic }],
      format: duration,
    }),
  ];
  let rateChart: Chart | null = null;
  let rateTopics = "";
  const heading = h("h2", { class: "entity" }, group);
  const figures = h("div", { class: "figures" });
  const rateSlot = h("div", { class: "chart-row single" });
  const partitions = h("section", { class: "panel" });
  const members = h("section", { class: "panel" });
  const alerts = new ConcerningAlerts(ctx, [`consumergroup=${group}`]);
  const element = h(
    "div",
    { class: "page group" },
    heading,
    figures,
    alerts.element,
    h("div", { class: "chart-row" }, lagCharts.map((c) => c.element)),
    rateSlot,
    partitions,
    members,
  );

  // The produce side needs the group's topics, known after the first answer.
  function rateChartFor(topics: string[]): Chart {
    const key = topics.join("\n");
    if (rateChart && key === rateTopics) return rateChart;
    rateChart?.dispose();
    rateTopics = key;
    const lines = [{ query: `kafkascope_consumergroup_messages_consumed_per_second{${selector}}`, label: () => "consumed" }];
    if (topics.length) {
      lines.push({
        query: `sum(kafkascope_topic_messages_in_per_second{cluster=${quote(ctx.cluster)},topic=~${anyOf(topics)}})`,
        label: () => "produced",
      });
    }
    rateChart = new Chart({ id: "group-rates", title: "Consumed vs produced", lines, format: messageRate });
    fill(rateSlot, rateChart.element);
    return rateChart;
  }

  // `sort` names the server's sort key (crates/kafkascope-server/src/api/groups.rs).
  const offsetColumns: Column<GroupOffset>[] = [
    { key: "topic", label: "Topic", sort: "topic", cell: (o) => h("a", { href: linkTo(ctx.route, ctx.cluster, "topic", o.topic), "data-nav": true }, o.topic), value: (o) => o.topic },
    { key: "partition", label: "Partition", sort: "partition", numeric: true, cell: (o) => String(o.partition), value: (o) => o.partition },
    { key: "owner", label: "Owner", cell: (o) => (o.owner ? `${o.owner.client_id} @ ${o.owner.client_host}` : h("span", { class: "muted" }, "unassigned")) },
    { key: "committed", label: "Committed", sort: "committed_offset", numeric: true, cell: (o) => exact(o.committed_offset), value: (o) => o.committed_offset },
    { key: "latest", label: "End offset", sort: "latest_offset", numeric: true, cell: (o) => exact(o.latest_offset), value: (o) => o.latest_offset },
    { key: "lag", label: "Lag", sort: "lag", numeric: true, cell: (o) => count(o.lag), value: (o) => o.lag },
    {
      key: "lag_seconds",
      label: "Lag (time)",
      sort: "lag_seconds",
      numeric: true,
      cell: (o) => h("span", { title: o.lag_seconds_source ? SOURCES[o.lag_seconds_source] ?? o.lag_seconds_source : null }, duration(o.lag_seconds), o.lag_seconds_source === "estimated" ? " ≈" : ""),
      value: (o) => o.lag_seconds,
    },
    { key: "status", label: "Status", sort: "status", cell: (o) => [partitionStatus(o.status), o.messages_lost ? badge(`${count(o.messages_lost)} lost`, "bad") : null], value: (o) => o.status },
    { key: "consumed", label: "Consumed", sort: "messages_consumed_per_sec", numeric: true, cell: (o) => messageRate(o.messages_consumed_per_sec), value: (o) => o.messages_consumed_per_sec },
    { key: "last_commit", label: "Last commit", sort: "last_commit_at", numeric: true, cell: (o) => ago(o.last_commit_at_ms) },
  ];
  const memberColumns: Column<GroupMember>[] = [
    { key: "client_id", label: "Client id", cell: (m) => m.client_id || UNKNOWN, value: (m) => m.client_id },
    { key: "host", label: "Host", cell: (m) => m.client_host || UNKNOWN },
    { key: "member_id", label: "Member id", cell: (m) => h("code", null, m.member_id) },
    { key: "instance", label: "Static id", cell: (m) => m.group_instance_id ?? UNKNOWN },
    {
      key: "assignment",
      label: "Assigned partitions",
      cell: (m) => (m.assignment.length ? m.assignment.map((a) => `${a.topic}: ${a.partitions.join(", ")}`).join("; ") : UNKNOWN),
      value: (m) => m.assignment.reduce((n, a) => n + a.partitions.length, 0),
    },
  ];

  return {
    title: group,
    element,
    async update(signal) {
      const state = partitionState(ctx);
      const [g] = await Promise.all([api.group(ctx.cluster, group, pageParams(state)), alerts.update(signal)]);
      if (signal.aborted) return;
      fill(heading, group, g.error ? badge("incomplete", "warn", g.error) : null);
      fill(figures, tiles(groupTiles(g)));
      fill(
        partitions,
        h("header", { class: "panel-head" }, h("h3", null, "Partitions")),
        table(offsetColumns, g.offsets, {
          key: (o) => `${o.topic}/${o.partition}`,
          name: "group-partitions",
          sorting: sorting(ctx, state),
          empty: "No committed offsets",
        }),
        partitionPager(ctx, state, g.partitions_total),
      );
      fill(
        members,
        h("header", { class: "panel-head" }, h("h3", null, "Members")),
        table(memberColumns, g.members, { key: (m) => m.member_id, name: "members", empty: "No members: nobody is consuming" }),
        g.clients.length ? [h("header", { class: "panel-head" }, h("h3", null, "Consumers (JMX)")), table(clientColumns(ctx), g.clients, { key: (c) => c.client_id, name: "group-clients", empty: "" })] : null,
      );
      const charts = [...lagCharts, rateChartFor(g.topics.map((t) => t.topic))];
      await Promise.all(charts.map((c) => c.load(ctx.range, signal)));
    },
    dispose() {
      lagCharts.forEach((c) => c.dispose());
      rateChart?.dispose();
    },
  };
}
