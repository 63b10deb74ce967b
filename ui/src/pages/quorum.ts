// Who agrees on the cluster's metadata: the ZooKeeper ensemble (each
// member's role, latency, outstanding requests, znodes, watches, file
// descriptors, the leader's synced followers and the four-letter words a
// member refuses) with the ensemble's verdict in words, and the KRaft
// metadata quorum (leader, voters and how far each is behind).

import { api, type EnsembleProblem, type EnsembleVerdict, type ZookeeperMember, type ZookeeperPoll } from "../api";
import { badge, type Tone } from "../badges";
import { fill, h } from "../dom";
import { count, duration, UNKNOWN } from "../format";
import type { Page, PageContext } from "../page";
import { table, type Column } from "../table";
import { tiles } from "../tiles";
import { quorumPanel } from "./brokers";

/** What to configure for a page that has nothing to show yet. */
export function configHint(source: string, title: string, text: string, example: string): HTMLElement {
  return h(
    "div",
    { class: "empty-state", "data-empty": source },
    h("strong", null, title),
    h("p", null, text),
    h("pre", { class: "mono config-example" }, example),
    h("p", { class: "muted" }, "See docs/CONFIG.md for every setting."),
  );
}

/** One problem of the ensemble in words, as kafkascope's verdict says it. */
export function problemText(p: EnsembleProblem): string {
  switch (p.problem) {
    case "no_leader":
      return "no member leads the ensemble";
    case "several_leaders":
      return `several members lead: ${p.members.join(", ")}`;
    case "members_down":
      return `members down: ${p.members.join(", ")}`;
    case "members_not_serving":
      return `members not serving requests (electing a leader or without a quorum): ${p.members.join(", ")}`;
    case "followers_not_synced":
      return `the leader has ${p.synced} synced follower(s) of ${p.expected}`;
    case "even_member_count": {
      const n = p.members;
      return `an even number of members: ${n} members tolerate no more failures than ${Math.max(0, n - 1)} (${Math.floor(Math.max(0, n - 1) / 2)} each), as a quorum of ${n} needs ${Math.floor(n / 2) + 1}`;
    }
    default:
      return JSON.stringify(p);
  }
}

const ROLE_TONES: Record<string, Tone> = { leader: "ok", follower: "idle", observer: "idle", standalone: "ok", "read-only": "warn", read_only: "warn", unknown: "warn" };

function roleCell(m: ZookeeperMember): HTMLElement {
  if (!m.up) return badge("down", "bad");
  const role = m.role.replace("_", "-");
  return badge(role, ROLE_TONES[m.role] ?? "idle", m.serving ? undefined : "not serving requests");
}

const ms = (v: number | undefined) => (v === undefined ? UNKNOWN : `${v} ms`);

const memberColumns: Column<ZookeeperMember>[] = [
  { key: "member", label: "Member", cell: (m) => [h("strong", null, m.name), h("div", { class: "muted" }, h("code", null, m.address))], value: (m) => m.name },
  { key: "role", label: "Role", cell: roleCell, value: (m) => m.role },
  { key: "version", label: "Version", cell: (m) => (m.version ? m.version.split(/[-,]/)[0] : UNKNOWN), value: (m) => m.version },
  {
    key: "latency",
    label: "Latency avg / max",
    numeric: true,
    cell: (m) => (m.latency ? `${ms(m.latency.avg_ms)} / ${ms(m.latency.max_ms)}` : UNKNOWN),
    value: (m) => m.latency?.avg_ms ?? null,
  },
  { key: "outstanding", label: "Outstanding", numeric: true, cell: (m) => count(m.outstanding_requests), value: (m) => m.outstanding_requests },
  { key: "connections", label: "Connections", numeric: true, cell: (m) => count(m.alive_connections), value: (m) => m.alive_connections },
  { key: "znodes", label: "Znodes", numeric: true, cell: (m) => count(m.znode_count), value: (m) => m.znode_count },
  { key: "watches", label: "Watches", numeric: true, cell: (m) => count(m.watch_count), value: (m) => m.watch_count },
  {
    key: "fds",
    label: "Open files",
    numeric: true,
    cell: (m) => (m.open_file_descriptors === null ? UNKNOWN : `${count(m.open_file_descriptors)} / ${count(m.max_file_descriptors)}`),
    value: (m) => m.open_file_descriptors,
  },
  {
    key: "synced",
    label: "Synced followers",
    numeric: true,
    cell: (m) => (m.leader ? count(m.leader.synced_followers) : ""),
    value: (m) => m.leader?.synced_followers ?? null,
  },
  { key: "packets", label: "Packets in", numeric: true, cell: (m) => (m.packets_received?.per_sec == null ? UNKNOWN : `${count(m.packets_received.per_sec)}/s`), value: (m) => m.packets_received?.per_sec ?? null },
  { key: "uptime", label: "Up for", numeric: true, cell: (m) => (m.uptime_ms === null ? UNKNOWN : duration(m.uptime_ms / 1000)), value: (m) => m.uptime_ms },
  {
    key: "refused",
    label: "Refused words",
    cell: (m) => (m.not_allowed.length ? m.not_allowed.map((w) => badge(w, "warn", "not in the member's 4lw.commands.whitelist")) : h("span", { class: "muted" }, "none")),
    value: (m) => m.not_allowed.join(","),
  },
];

function verdictPanel(verdict: EnsembleVerdict): HTMLElement {
  return h(
    "div",
    { class: `verdict ${verdict.healthy ? "ok" : "bad"}`, "data-verdict": verdict.healthy ? "healthy" : "unhealthy" },
    h("strong", null, verdict.healthy ? "The ensemble is healthy" : "The ensemble has problems"),
    verdict.problems.length ? h("ul", { "data-problems": "" }, verdict.problems.map((p) => h("li", { "data-problem": p.problem }, problemText(p)))) : null,
    verdict.unchecked.length ? h("ul", { class: "muted", "data-unchecked": "" }, verdict.unchecked.map((u) => h("li", null, `not checked: ${u}`))) : null,
  );
}

function zookeeperSection(panel: HTMLElement, poll: ZookeeperPoll | null): void {
  const figures = poll?.figures.zookeeper;
  if (!poll || !figures) {
    fill(
      panel,
      h("header", { class: "panel-head" }, h("h3", null, "ZooKeeper")),
      configHint(
        "zookeeper",
        "No ZooKeeper ensemble is watched for this cluster.",
        "For a cluster that keeps its metadata in ZooKeeper, add a [clusters.zookeeper] section listing the ensemble's members (host:port of each client port); kafkascope then asks each member srvr, mntr and ruok.",
        '[clusters.zookeeper]\n[[clusters.zookeeper.members]]\nname = "zk-1"\naddress = "zk-1:2181"',
      ),
    );
    return;
  }
  const { members, ensemble } = figures;
  fill(
    panel,
    h(
      "header",
      { class: "panel-head" },
      h("h3", null, "ZooKeeper ensemble"),
      h("span", { class: "muted", "data-ensemble": "summary" }, `${ensemble.members_up} of ${ensemble.members} up, leader ${ensemble.leaders.join(", ") || UNKNOWN}`),
    ),
    verdictPanel(ensemble),
    table(memberColumns, members, { key: (m) => m.name, name: "zookeeper-members", empty: "No members configured" }),
  );
}

export function quorumPage(ctx: PageContext): Page {
  const figures = h("div", { class: "figures" });
  const zookeeper = h("section", { class: "panel", "data-panel": "zookeeper" });
  const kraft = h("section", { class: "panel", hidden: true, "data-panel": "kraft" });
  const element = h("div", { class: "page quorum" }, figures, zookeeper, kraft);
  return {
    title: "Quorum",
    element,
    async update(signal) {
      const [{ quorum }, zk] = await Promise.all([api.brokers(ctx.cluster), api.zookeeper(ctx.cluster)]);
      if (signal.aborted) return;
      const ensemble = zk?.figures.zookeeper?.ensemble ?? null;
      const laggiest = quorum ? Math.max(0, ...quorum.replicas.filter((r) => r.role === "voter").map((r) => r.lag)) : null;
      fill(
        figures,
        tiles([
          ...(ensemble
            ? [
                { id: "zk-members", label: "ZooKeeper members up", value: `${ensemble.members_up} / ${ensemble.members}`, tone: ensemble.members_up < ensemble.members ? ("bad" as const) : ("ok" as const) },
                { id: "zk-leader", label: "ZooKeeper leader", value: ensemble.leaders.join(", ") || UNKNOWN, tone: ensemble.leaders.length === 1 ? ("ok" as const) : ("bad" as const) },
                { id: "zk-verdict", label: "Ensemble", value: ensemble.healthy ? "healthy" : `${ensemble.problems.length} problems`, tone: ensemble.healthy ? ("ok" as const) : ("bad" as const) },
              ]
            : []),
          ...(quorum
            ? [
                { id: "kraft-leader", label: "KRaft leader", value: String(quorum.leader_id), detail: `epoch ${quorum.leader_epoch}` },
                { id: "kraft-voters", label: "Voters", value: count(quorum.replicas.filter((r) => r.role === "voter").length) },
                { id: "kraft-lag", label: "Worst voter lag", value: count(laggiest), tone: laggiest ? ("warn" as const) : ("ok" as const) },
              ]
            : []),
        ]),
      );
      zookeeperSection(zookeeper, zk);
      // A KRaft cluster has no ZooKeeper: say so only when neither is there.
      zookeeper.hidden = zk === null && quorum !== null;
      quorumPanel(kraft, quorum);
    },
    dispose() {},
  };
}
