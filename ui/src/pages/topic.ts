// One topic: its figures, throughput history, its partitions' leaders,
// replicas, ISR and offsets (a page at a time, sorted and paged by the
// server), and the configs kafkascope read.

import { api, type Partition, type TopicDetail } from "../api";
import { badge } from "../badges";
import { Chart } from "../chart";
import { fill, h } from "../dom";
import { byteRate, bytes, count, exact, messageRate, UNKNOWN } from "../format";
import { quote } from "../history";
import { pageParams, partitionPager, partitionState, sorting } from "../list_controls";
import type { Page, PageContext } from "../page";
import { ConcerningAlerts } from "./alerts";
import { markEvents, rangeMs } from "./events";
import { table, type Column } from "../table";
import { problemTone, tiles } from "../tiles";

const ids = (list: number[]) => (list.length ? list.join(", ") : UNKNOWN);

function flags(p: Partition): HTMLElement[] {
  const out: HTMLElement[] = [];
  if (p.offline) out.push(badge("offline", "bad"));
  if (p.under_min_isr) out.push(badge("under min ISR", "bad"));
  if (p.under_replicated) out.push(badge("under-replicated", "warn"));
  if (!p.offline && !p.leader_is_preferred) out.push(badge("not preferred leader", "idle"));
  if (p.error) out.push(badge("error", "bad", p.error));
  return out.length ? out : [badge("ok", "ok")];
}

const messages = (p: Partition) =>
  p.latest_offset !== null && p.earliest_offset !== null ? p.latest_offset - p.earliest_offset : null;

// `sort` names the server's sort key (crates/kafkascope-server/src/api/topics.rs).
const columns: Column<Partition>[] = [
  { key: "partition", label: "Partition", sort: "partition", numeric: true, cell: (p) => String(p.partition), value: (p) => p.partition },
  { key: "leader", label: "Leader", sort: "leader", numeric: true, cell: (p) => (p.leader === null ? badge("none", "bad") : String(p.leader)), value: (p) => p.leader },
  { key: "replicas", label: "Replicas", cell: (p) => ids(p.replicas), value: (p) => p.replicas.join(",") },
  { key: "isr", label: "ISR", cell: (p) => ids(p.isr), value: (p) => p.isr.join(",") },
  { key: "earliest", label: "Start offset", sort: "earliest_offset", numeric: true, cell: (p) => exact(p.earliest_offset), value: (p) => p.earliest_offset },
  { key: "latest", label: "End offset", sort: "latest_offset", numeric: true, cell: (p) => exact(p.latest_offset), value: (p) => p.latest_offset },
  { key: "messages", label: "Messages", sort: "messages", numeric: true, cell: (p) => count(messages(p)), value: messages },
  { key: "messages_in", label: "Messages in", sort: "messages_in_per_sec", numeric: true, cell: (p) => messageRate(p.messages_in_per_sec), value: (p) => p.messages_in_per_sec },
  { key: "size", label: "Size", sort: "size_bytes", numeric: true, cell: (p) => bytes(p.size_bytes), value: (p) => p.size_bytes },
  { key: "flags", label: "Health", sort: "health", cell: flags },
];

function topicTiles(t: TopicDetail) {
  return tiles([
    { id: "partitions", label: "Partitions", value: count(t.partition_count) },
    { id: "replication-factor", label: "Replication factor", value: count(t.replication_factor), detail: `min ISR ${t.min_insync_replicas}` },
    { id: "messages-in", label: "Messages in", value: messageRate(t.messages_in_per_sec) },
    { id: "bytes-in", label: "Bytes in", value: byteRate(t.bytes_in_per_sec) },
    { id: "size", label: "Size", value: bytes(t.size_bytes) },
    { id: "under-replicated", label: "Under-replicated", value: count(t.under_replicated_partitions), tone: problemTone(t.under_replicated_partitions, "warn") },
    { id: "offline", label: "Offline", value: count(t.offline_partitions), tone: problemTone(t.offline_partitions) },
  ]);
}

export function topicPage(ctx: PageContext, topic: string): Page {
  const selector = `cluster=${quote(ctx.cluster)},topic=${quote(topic)}`;
  /** The cluster's sources beside the Kafka protocol, once known. */
  let sources: string[] | null = null;
  const charts = [
    new Chart({
      id: "topic-messages-in",
      title: "Messages in",
      lines: [{ query: `sum(kafkascope_topic_messages_in_per_second{${selector}})`, label: () => "messages in" }],
      format: messageRate,
    }),
    new Chart({
      id: "topic-bytes-in",
      title: "Bytes in",
      lines: [{ query: `sum(kafkascope_topic_bytes_in_per_second{${selector}})`, label: () => "bytes in" }],
      format: byteRate,
    }),
  ];
  const heading = h("h2", { class: "entity" }, topic);
  const figures = h("div", { class: "figures" });
  const partitions = h("section", { class: "panel" });
  const configs = h("section", { class: "panel" });
  const alerts = new ConcerningAlerts(ctx, [`topic=${topic}`]);
  const element = h(
    "div",
    { class: "page topic" },
    heading,
    figures,
    alerts.element,
    h("div", { class: "chart-row" }, charts.map((c) => c.element)),
    partitions,
    configs,
  );

  return {
    title: topic,
    element,
    async update(signal) {
      const state = partitionState(ctx);
      const [t] = await Promise.all([api.topic(ctx.cluster, topic, pageParams(state)), alerts.update(signal)]);
      if (signal.aborted) return;
      fill(heading, topic, t.internal ? badge("internal", "idle") : null);
      fill(figures, topicTiles(t));
      fill(
        partitions,
        h("header", { class: "panel-head" }, h("h3", null, "Partitions")),
        table(columns, t.partitions, {
          key: (p) => String(p.partition),
          name: "partitions",
          sorting: sorting(ctx, state),
          empty: "No partitions",
        }),
        partitionPager(ctx, state, t.partitions_total),
      );
      const entries = Object.entries(t.configs);
      fill(
        configs,
        h("header", { class: "panel-head" }, h("h3", null, "Configuration")),
        table(
          [
            { key: "name", label: "Config", cell: ([name]) => h("code", null, name) },
            { key: "value", label: "Value", cell: ([, value]) => h("code", null, value) },
          ],
          entries,
          { key: ([name]) => name, name: "configs", empty: "No configs were read (DescribeConfigs not answered)" },
        ),
      );
      // The brokers' log events on this topic's partitions (ISR changes,
      // elections), as marks on its charts, when broker logs are read: the
      // sources are learnt once, with the page's first update.
      sources ??= await api
        .brokers(ctx.cluster)
        .then((b) => b.sources)
        .catch(() => null);
      const [events] = await Promise.all([
        sources?.includes("broker_logs") ? api.events(ctx.cluster, { topic, ...rangeMs(ctx.range), limit: 1000 }).catch(() => null) : null,
        ...charts.map((c) => c.load(ctx.range, signal)),
      ]);
      if (signal.aborted) return;
      const mine = (events?.events ?? []).filter((e) => e.fields.topic === topic);
      charts.forEach((c) => markEvents(c.element, mine));
    },
    dispose() {
      charts.forEach((c) => c.dispose());
    },
  };
}
