// Every broker: reachability, its part in the KRaft metadata quorum,
// replicas and leaders it holds, how far its leader count is from an even
// share, and its log directories' size and free space; with a JMX source,
// what each broker reports of itself (bytes in and out, Produce p99,
// request handler idle); then the quorum: leader, epoch and how far each
// voter and observer is behind.

import { api, type Broker, type JmxNode, type JmxPoll, type MetadataQuorum, type QuorumReplica } from "../api";
import { badge } from "../badges";
import { fill, h } from "../dom";
import { ago, byteRate, bytes, count, exact, percent, signedPercent, UNKNOWN } from "../format";
import type { Page, PageContext } from "../page";
import { ConcerningAlerts } from "./alerts";
import { table, type Column } from "../table";
import { problemTone, tiles } from "../tiles";

/** Leaders above (+) or below (-) an even share, as a fraction of that share. */
export function leaderSkew(broker: Broker, brokers: Broker[]): number | null {
  const leaders = brokers.reduce((sum, b) => sum + b.leader_count, 0);
  if (brokers.length === 0 || leaders === 0) return null;
  const even = leaders / brokers.length;
  return (broker.leader_count - even) / even;
}

/** Share of the fullest log directory's volume in use, where brokers report it. */
export function diskUse(broker: Broker): number | null {
  const shares = broker.log_dirs
    .filter((d) => d.volume_total_bytes && d.volume_usable_bytes !== null)
    .map((d) => 1 - (d.volume_usable_bytes ?? 0) / (d.volume_total_bytes ?? 1));
  return shares.length ? Math.max(...shares) : null;
}

const QUORUM_ROLE: Record<string, "ok" | "idle"> = { leader: "ok", voter: "idle", observer: "idle" };

function quorumPanel(panel: HTMLElement, quorum: MetadataQuorum | null): void {
  panel.hidden = quorum === null;
  if (quorum === null) return;
  const columns: Column<QuorumReplica>[] = [
    { key: "replica", label: "Node", cell: (r) => [String(r.replica_id), r.replica_id === quorum.leader_id ? [" ", badge("leader", "ok")] : null], value: (r) => r.replica_id },
    { key: "role", label: "Role", cell: (r) => r.role, value: (r) => r.role },
    { key: "log_end", label: "Log end", numeric: true, cell: (r) => exact(r.log_end_offset), value: (r) => r.log_end_offset },
    { key: "lag", label: "Lag", numeric: true, cell: (r) => exact(r.lag), value: (r) => r.lag },
    { key: "fetch", label: "Last fetch", cell: (r) => ago(r.last_fetch_ms), value: (r) => r.last_fetch_ms },
    { key: "caught_up", label: "Last caught up", cell: (r) => ago(r.last_caught_up_ms), value: (r) => r.last_caught_up_ms },
  ];
  fill(
    panel,
    h(
      "header",
      { class: "panel-head" },
      h("h3", null, "Metadata quorum"),
      h("span", { class: "muted", "data-quorum": "summary" }, `leader ${quorum.leader_id}, epoch ${quorum.leader_epoch}, high watermark ${exact(quorum.high_watermark)}`),
    ),
    table(columns, quorum.replicas, { key: (r) => `${r.role}-${r.replica_id}`, name: "quorum", empty: "No voters" }),
  );
}

/** Each broker's figures from the cluster's JMX pages, by node id. */
function jmxByNode(poll: JmxPoll | null): Map<number, JmxNode> {
  const nodes = poll?.figures.jmx?.nodes ?? [];
  return new Map(nodes.filter((n) => n.node_id !== null && n.up).map((n) => [n.node_id as number, n]));
}

/** The columns JMX adds: throughput, Produce p99 and request handler idle share. */
function jmxColumns(jmx: Map<number, JmxNode>): Column<Broker>[] {
  const of = (b: Broker) => jmx.get(b.id)?.broker ?? null;
  const bytesIn = (b: Broker) => of(b)?.all_topics.bytes_in?.per_sec ?? null;
  const bytesOut = (b: Broker) => of(b)?.all_topics.bytes_out?.per_sec ?? null;
  const produceP99 = (b: Broker) => of(b)?.requests["Produce"]?.times_ms["totaltime"]?.p99 ?? null;
  const idle = (b: Broker) => of(b)?.request_handler_idle_ratio ?? null;
  return [
    { key: "bytes_in", label: "In", numeric: true, cell: (b) => byteRate(bytesIn(b)), value: bytesIn },
    { key: "bytes_out", label: "Out", numeric: true, cell: (b) => byteRate(bytesOut(b)), value: bytesOut },
    { key: "produce_p99", label: "Produce p99", numeric: true, cell: (b) => (produceP99(b) === null ? UNKNOWN : `${produceP99(b)} ms`), value: produceP99 },
    { key: "handler_idle", label: "Handler idle", numeric: true, cell: (b) => percent(idle(b)), value: idle },
  ];
}

export function brokersPage(ctx: PageContext): Page {
  const figures = h("div", { class: "figures" });
  const list = h("section", { class: "panel" });
  const quorumSection = h("section", { class: "panel", hidden: true });
  // Alerts on one broker or node (broker, node labels), and the controller's.
  const alerts = new ConcerningAlerts(ctx, ["broker", "node", "alertname=KafkaActiveControllerCount"]);
  const element = h("div", { class: "page brokers" }, figures, alerts.element, list, quorumSection);

  return {
    title: "Brokers",
    element,
    async update(signal) {
      const [{ brokers, quorum, controller, sources }] = await Promise.all([api.brokers(ctx.cluster), alerts.update(signal)]);
      // Only where a JMX exporter source is configured: no request that can only fail.
      const poll = sources.includes("jmx_exporter") ? await api.jmx(ctx.cluster) : null;
      if (signal.aborted) return;
      const jmx = jmxByNode(poll);
      const bytesIn = [...jmx.values()].reduce((sum, n) => sum + (n.broker?.all_topics.bytes_in?.per_sec ?? 0), 0);
      const down = brokers.filter((b) => !b.reachable).length;
      const skews = brokers.map((b) => leaderSkew(b, brokers)).filter((s): s is number => s !== null);
      const worstSkew = skews.length ? Math.max(...skews.map(Math.abs)) : null;
      const disk = brokers.every((b) => b.log_dir_bytes !== null)
        ? brokers.reduce((sum, b) => sum + (b.log_dir_bytes ?? 0), 0)
        : null;
      fill(
        figures,
        tiles([
          { id: "brokers", label: "Brokers up", value: `${brokers.length - down} / ${brokers.length}`, tone: problemTone(down) },
          { id: "leaders", label: "Partition leaders", value: count(brokers.reduce((s, b) => s + b.leader_count, 0)) },
          { id: "skew", label: "Worst leader skew", value: worstSkew === null ? UNKNOWN : signedPercent(worstSkew).replace("+", "±"), tone: worstSkew !== null && worstSkew > 0.2 ? "warn" : undefined },
          { id: "disk", label: "Disk used", value: bytes(disk) },
          { id: "controller", label: "Active controller", value: controller === null ? UNKNOWN : String(controller), detail: quorum ? `KRaft epoch ${quorum.leader_epoch}` : undefined },
          ...(jmx.size ? [{ id: "bytes_in", label: "Bytes in", value: byteRate(bytesIn), detail: "all brokers, from JMX" }] : []),
        ]),
      );
      const columns: Column<Broker>[] = [
        { key: "id", label: "Broker", cell: (b) => [String(b.id), b.is_controller ? [" ", badge("controller", "idle")] : null], value: (b) => b.id },
        { key: "address", label: "Address", cell: (b) => h("code", null, `${b.host}:${b.port}`) },
        { key: "rack", label: "Rack", cell: (b) => b.rack ?? UNKNOWN },
        { key: "reachable", label: "Status", cell: (b) => (b.reachable ? badge("up", "ok") : badge(b.in_metadata ? "unreachable" : "down", "bad")), value: (b) => (b.reachable ? 1 : 0) },
        { key: "quorum", label: "Quorum", cell: (b) => (b.quorum_role ? badge(b.quorum_role, QUORUM_ROLE[b.quorum_role] ?? "idle") : UNKNOWN), value: (b) => b.quorum_role },
        { key: "partitions", label: "Partitions", numeric: true, cell: (b) => count(b.partition_count), value: (b) => b.partition_count },
        { key: "leaders", label: "Leaders", numeric: true, cell: (b) => count(b.leader_count), value: (b) => b.leader_count },
        { key: "skew", label: "Leader skew", numeric: true, cell: (b) => signedPercent(leaderSkew(b, brokers)), value: (b) => leaderSkew(b, brokers) },
        { key: "disk", label: "Disk", numeric: true, cell: (b) => bytes(b.log_dir_bytes), value: (b) => b.log_dir_bytes },
        { key: "volume", label: "Volume used", numeric: true, cell: (b) => failedDirs(b) ?? percent(diskUse(b)), value: (b) => diskUse(b) },
        ...(jmx.size ? jmxColumns(jmx) : []),
      ];
      fill(
        list,
        h("header", { class: "panel-head" }, h("h3", null, "Brokers")),
        table(columns, brokers, { key: (b) => String(b.id), name: "brokers", empty: "No brokers in the metadata" }),
      );
      quorumPanel(quorumSection, quorum);
    },
    dispose() {},
  };
}

/** A badge naming the broker's failed log directories, if any. */
function failedDirs(broker: Broker): HTMLElement | null {
  const failed = broker.log_dirs.filter((d) => d.error !== null);
  if (!failed.length) return null;
  return badge(`${failed.length} failed`, "bad", failed.map((d) => `${d.path}: ${d.error}`).join("\n"));
}
