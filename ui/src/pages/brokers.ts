// Every broker: reachability, replicas and leaders it holds, how far its
// leader count is from an even share, and its log directories' size.

import { api, type Broker } from "../api";
import { badge } from "../badges";
import { fill, h } from "../dom";
import { bytes, count, signedPercent, UNKNOWN } from "../format";
import type { Page, PageContext } from "../page";
import { table, type Column } from "../table";
import { problemTone, tiles } from "../tiles";

/** Leaders above (+) or below (-) an even share, as a fraction of that share. */
export function leaderSkew(broker: Broker, brokers: Broker[]): number | null {
  const leaders = brokers.reduce((sum, b) => sum + b.leader_count, 0);
  if (brokers.length === 0 || leaders === 0) return null;
  const even = leaders / brokers.length;
  return (broker.leader_count - even) / even;
}

export function brokersPage(ctx: PageContext): Page {
  const figures = h("div", { class: "figures" });
  const list = h("section", { class: "panel" });
  const element = h("div", { class: "page brokers" }, figures, list);

  return {
    title: "Brokers",
    element,
    async update(signal) {
      const { brokers } = await api.brokers(ctx.cluster);
      if (signal.aborted) return;
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
        ]),
      );
      const columns: Column<Broker>[] = [
        { key: "id", label: "Broker", cell: (b) => [String(b.id), b.is_controller ? [" ", badge("controller", "idle")] : null], value: (b) => b.id },
        { key: "address", label: "Address", cell: (b) => h("code", null, `${b.host}:${b.port}`) },
        { key: "rack", label: "Rack", cell: (b) => b.rack ?? UNKNOWN },
        { key: "reachable", label: "Status", cell: (b) => (b.reachable ? badge("up", "ok") : badge("unreachable", "bad")), value: (b) => (b.reachable ? 1 : 0) },
        { key: "partitions", label: "Partitions", numeric: true, cell: (b) => count(b.partition_count), value: (b) => b.partition_count },
        { key: "leaders", label: "Leaders", numeric: true, cell: (b) => count(b.leader_count), value: (b) => b.leader_count },
        { key: "skew", label: "Leader skew", numeric: true, cell: (b) => signedPercent(leaderSkew(b, brokers)), value: (b) => leaderSkew(b, brokers) },
        { key: "disk", label: "Disk", numeric: true, cell: (b) => bytes(b.log_dir_bytes), value: (b) => b.log_dir_bytes },
      ];
      fill(
        list,
        h("header", { class: "panel-head" }, h("h3", null, "Brokers")),
        table(columns, brokers, { key: (b) => String(b.id), name: "brokers", empty: "No brokers in the metadata" }),
      );
    },
    dispose() {},
  };
}
