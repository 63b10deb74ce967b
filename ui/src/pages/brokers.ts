// Every broker: reachability, its part in the KRaft metadata quorum,
// replicas and leaders it holds, how far its leader count is from an even
// share, and its log directories' size and free space; with a JMX source,
// what each broker reports of itself (bytes in and out, Produce p99,
// request handler idle); then the quorum: leader, epoch and how far each
// voter and observer is behind; with a node_exporter source, each broker's
// host (CPU, memory, load, its log dirs' filesystems against the 85 and 95 %
// marks, network) beside its throughput, and their history.

import { api, type Broker, type Host, type HostPoll, type JmxNode, type JmxPoll, type LogDirMount, type LogEvent, type MetadataQuorum, type QuorumReplica } from "../api";
import { badge, type Tone } from "../badges";
import { Chart } from "../chart";
import { fill, h, type Child } from "../dom";
import { ago, byteRate, bytes, count, exact, percent, signedPercent, UNKNOWN } from "../format";
import { anyOf, quote } from "../history";
import type { Page, PageContext } from "../page";
import { ConcerningAlerts } from "./alerts";
import { markEvents, rangeMs } from "./events";
import { configHint } from "./quorum";
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

export function quorumPanel(panel: HTMLElement, quorum: MetadataQuorum | null): void {
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
  const hosts = h("section", { class: "panel", "data-panel": "hosts" });
  const charts = hostCharts(ctx);
  // Alerts on one broker or node (broker, node labels), and the controller's.
  const alerts = new ConcerningAlerts(ctx, ["broker", "node", "alertname=KafkaActiveControllerCount"]);
  const element = h("div", { class: "page brokers" }, figures, alerts.element, list, hosts, charts.element, quorumSection);

  return {
    title: "Brokers",
    element,
    async update(signal) {
      const [{ brokers, quorum, controller, sources }] = await Promise.all([api.brokers(ctx.cluster), alerts.update(signal)]);
      // Only where a JMX exporter source is configured: no request that can only fail.
      const watchesHosts = sources.includes("node_exporter");
      const [poll, hostPoll] = await Promise.all([
        sources.includes("jmx_exporter") ? api.jmx(ctx.cluster) : null,
        watchesHosts ? api.hosts(ctx.cluster) : null,
      ]);
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
      hostsPanel(hosts, brokers, hostPoll, watchesHosts, jmx);
      charts.element.hidden = !watchesHosts;
      if (watchesHosts) await charts.load(ctx.range, signal, hostPoll);
      if (watchesHosts && sources.includes("broker_logs") && !signal.aborted) {
        // The brokers' log events as marks on the host charts.
        const events = await api.events(ctx.cluster, { ...rangeMs(ctx.range), limit: 500 }).catch(() => null);
        if (!signal.aborted) charts.mark(events?.events ?? []);
      }
    },
    dispose() {
      charts.dispose();
    },
  };
}

/** A badge naming the broker's failed log directories, if any. */
function failedDirs(broker: Broker): HTMLElement | null {
  const failed = broker.log_dirs.filter((d) => d.error !== null);
  if (!failed.length) return null;
  return badge(`${failed.length} failed`, "bad", failed.map((d) => `${d.path}: ${d.error}`).join("\n"));
}

/** Where a filesystem's use turns amber and red, as the default rules alert. */
const DISK_WARN = 0.85;
const DISK_FULL = 0.95;

function usageTone(share: number): Tone {
  return share >= DISK_FULL ? "bad" : share >= DISK_WARN ? "warn" : "ok";
}

/** A filesystem's use as a bar with the 85 and 95 % marks. */
function usageBar(dir: LogDirMount): HTMLElement {
  const share = dir.used_ratio;
  const title = `${dir.log_dir} on ${dir.mountpoint ?? "an unknown mount"}${dir.device ? ` (${dir.device}, ${dir.fstype})` : ""}`;
  return h(
    "div",
    { class: "usage", "data-log-dir": dir.log_dir, "data-mount": dir.mountpoint ?? "", title },
    h("div", { class: "usage-label" }, h("code", null, dir.mountpoint ?? UNKNOWN), " ", share === null ? UNKNOWN : `${percent(share)} of ${bytes(dir.size_bytes)}`),
    share === null
      ? null
      : h(
          "div",
          { class: "usage-bar" },
          h("div", { class: `usage-fill ${usageTone(share)}`, style: `width:${(share * 100).toFixed(1)}%` }),
          h("div", { class: "usage-mark", style: `left:${DISK_WARN * 100}%`, title: "85 %" }),
          h("div", { class: "usage-mark", style: `left:${DISK_FULL * 100}%`, title: "95 %" }),
        ),
    dir.error ? badge("failed", "bad", dir.error) : null,
  );
}

/** Every interface but loopback summed; `null` when none has a rate yet. */
function networkSum(host: Host, of: (n: Host["networks"][number]) => number | null): number | null {
  const rates = host.networks.filter((n) => n.device !== "lo").map(of).filter((v): v is number => v !== null);
  return rates.length ? rates.reduce((a, b) => a + b, 0) : null;
}

interface HostRow {
  broker: Broker;
  host: Host | null;
  dirs: LogDirMount[];
}

function hostColumns(jmx: Map<number, JmxNode>): Column<HostRow>[] {
  const memoryUsed = (r: HostRow) => {
    const m = r.host?.memory;
    return m && m.available_bytes !== null ? m.total_bytes - m.available_bytes : null;
  };
  const received = (r: HostRow) => (r.host ? networkSum(r.host, (n) => n.receive_bytes_per_second) : null);
  const sent = (r: HostRow) => (r.host ? networkSum(r.host, (n) => n.transmit_bytes_per_second) : null);
  const errors = (r: HostRow) => (r.host ? networkSum(r.host, (n) => (n.receive_errors_per_second ?? 0) + (n.transmit_errors_per_second ?? 0)) : null);
  const busy = (r: HostRow) => r.host?.cpu?.busy_ratio ?? null;
  const throughput = (r: HostRow): Child => {
    const b = jmx.get(r.broker.id)?.broker;
    return b ? `${byteRate(b.all_topics.bytes_in?.per_sec)} in, ${byteRate(b.all_topics.bytes_out?.per_sec)} out` : UNKNOWN;
  };
  const columns: Column<HostRow>[] = [
    { key: "broker", label: "Broker", cell: (r) => String(r.broker.id), value: (r) => r.broker.id },
    {
      key: "host",
      label: "Host",
      cell: (r) => (r.host ? [h("code", null, r.host.host), r.host.up ? null : [" ", badge("down", "bad", r.host.target)]] : h("span", { class: "muted" }, "no page for this host")),
      value: (r) => r.host?.host ?? null,
    },
    { key: "cpu", label: "CPU busy", numeric: true, cell: (r) => [percent(busy(r)), r.host?.cpu ? h("div", { class: "muted" }, `${r.host.cpu.cpus} CPUs`) : null], value: busy },
    {
      key: "memory",
      label: "Memory used",
      numeric: true,
      cell: (r) => (r.host?.memory ? [bytes(memoryUsed(r)), h("div", { class: "muted" }, `of ${bytes(r.host.memory.total_bytes)}`)] : UNKNOWN),
      value: memoryUsed,
    },
    {
      key: "load",
      label: "Load 1 / 5 / 15",
      numeric: true,
      cell: (r) => (r.host?.load ? [r.host.load.one, r.host.load.five, r.host.load.fifteen].map((v) => v.toFixed(2)).join(" / ") : UNKNOWN),
      value: (r) => r.host?.load?.one ?? null,
    },
    { key: "disks", label: "Log dir filesystems", cell: (r) => (r.dirs.length ? r.dirs.map(usageBar) : UNKNOWN), value: (r) => Math.max(0, ...r.dirs.map((d) => d.used_ratio ?? 0)) },
    { key: "network", label: "Network in / out", numeric: true, cell: (r) => `${byteRate(received(r))} / ${byteRate(sent(r))}`, value: received },
    { key: "net_errors", label: "Network errors", numeric: true, cell: (r) => (errors(r) ? badge(`${count(errors(r))}/s`, "bad") : errors(r) === null ? UNKNOWN : "0/s"), value: errors },
    {
      key: "files",
      label: "Open files",
      numeric: true,
      cell: (r) => (r.host?.file_descriptors ? `${count(r.host.file_descriptors.allocated)} / ${count(r.host.file_descriptors.maximum)}` : UNKNOWN),
      value: (r) => r.host?.file_descriptors?.allocated ?? null,
    },
  ];
  if (jmx.size) columns.push({ key: "throughput", label: "Throughput", numeric: true, cell: throughput });
  return columns;
}

/** Each broker beside its host's figures, or what to configure to see them. */
function hostsPanel(panel: HTMLElement, brokers: Broker[], poll: HostPoll | null, configured: boolean, jmx: Map<number, JmxNode>): void {
  const head = h("header", { class: "panel-head" }, h("h3", null, "Hosts"), poll ? h("span", { class: "muted" }, `read ${ago(poll.polled_at_ms)}`) : null);
  if (!poll) {
    fill(
      panel,
      head,
      configured
        ? h("div", { class: "muted" }, "The hosts' pages have not been read yet.")
        : configHint(
            "node_exporter",
            "The brokers' hosts are not watched.",
            "Add a [clusters.node_exporter] section with each broker host's node_exporter (or `kafkascope agent`) page to see its CPU, memory, load, log dir filesystems and network here.",
            '[clusters.node_exporter]\ndiscover_port = 9100',
          ),
    );
    return;
  }
  const rows: HostRow[] = brokers.map((broker) => ({
    broker,
    host: poll.hosts.find((x) => x.brokers.includes(broker.id)) ?? null,
    dirs: poll.log_dirs.filter((d) => d.broker === broker.id),
  }));
  const down = poll.targets.filter((t) => !t.up);
  fill(
    panel,
    head,
    down.length ? h("ul", { class: "problems" }, down.map((t) => h("li", null, `${t.target}: ${t.error ?? "down"}`))) : null,
    table(hostColumns(jmx), rows, { key: (r) => String(r.broker.id), name: "broker-hosts", empty: "No brokers in the metadata" }),
  );

}

/** The hosts' history: CPU, memory, the log dirs' filesystems and network, one line per host or mount. */
function hostCharts(ctx: PageContext): {
  element: HTMLElement;
  load: (range: PageContext["range"], signal: AbortSignal, poll: HostPoll | null) => Promise<void>;
  mark: (events: LogEvent[]) => void;
  dispose: () => void;
} {
  const cluster = `cluster=${quote(ctx.cluster)}`;
  const byHost = (labels: Record<string, string>) => labels.host ?? "host";
  const charts = [
    new Chart({ id: "host-cpu", title: "Host CPU busy", lines: [{ query: `max by (host) (kafkascope_host_cpu_busy_ratio{${cluster}})`, label: byHost }], format: percent }),
    new Chart({
      id: "host-memory",
      title: "Host memory used",
      lines: [{ query: `max by (host) (kafkascope_host_memory_total_bytes{${cluster}} - kafkascope_host_memory_available_bytes{${cluster}})`, label: byHost }],
      format: bytes,
    }),
    new Chart({
      id: "host-network",
      title: "Host network in + out",
      lines: [
        {
          query: `sum by (host) (kafkascope_host_network_receive_bytes_per_second{${cluster},device!="lo"} + kafkascope_host_network_transmit_bytes_per_second{${cluster},device!="lo"})`,
          label: byHost,
        },
      ],
      format: byteRate,
    }),
  ];
  // The filesystems holding log dirs, known once the hosts are read: the
  // chart is made again when they change.
  let disk: Chart | null = null;
  let diskMounts = "";
  const diskSlot = h("div", { class: "chart-slot" });
  const element = h("div", { class: "chart-row", hidden: true }, charts[0].element, charts[1].element, diskSlot, charts[2].element);
  const diskChart = (poll: HostPoll | null): Chart | null => {
    const mounts = [...new Set((poll?.log_dirs ?? []).map((d) => d.mountpoint).filter((m): m is string => m !== null))].sort();
    const key = mounts.join("\n");
    if (key === diskMounts) return disk;
    disk?.dispose();
    diskMounts = key;
    disk = mounts.length
      ? new Chart({
          id: "host-log-dir-used",
          title: "Log dir filesystems used",
          lines: [
            {
              query: `max by (host, mountpoint) (kafkascope_host_filesystem_used_ratio{${cluster},mountpoint=~${anyOf(mounts)}})`,
              label: (l) => `${l.host ?? "?"} ${l.mountpoint ?? ""}`,
            },
          ],
          format: percent,
        })
      : null;
    fill(diskSlot, disk?.element ?? null);
    return disk;
  };
  const all = () => [...charts, ...(disk ? [disk] : [])];
  return {
    element,
    load: async (range, signal, poll) => {
      diskChart(poll);
      await Promise.all(all().map((c) => c.load(range, signal)));
    },
    mark: (events) => all().forEach((c) => markEvents(c.element, events)),
    dispose: () => all().forEach((c) => c.dispose()),
  };
}
