// Kafka's Java producers and consumers as their JMX agents show them, dead
// ones first: whether each is alive (and if not, why and since when it was
// last seen), its rate and latency, and the consumer groups it belongs to.

import { api, type KafkaClient } from "../api";
import { badge } from "../badges";
import { fill, h } from "../dom";
import { ago, count, messageRate, UNKNOWN } from "../format";
import type { Page, PageContext } from "../page";
import { linkTo } from "../route";
import { table, type Column } from "../table";
import { problemTone, tiles } from "../tiles";

/** The state badge: alive, stopped sending, or dead with why. */
export function clientState(c: KafkaClient): HTMLElement {
  if (!c.liveness.alive) return badge("dead", "bad", c.liveness.dead_reason ?? undefined);
  if (c.liveness.stopped_sending) return badge("stopped sending", "warn");
  return badge("alive", "ok");
}

function rate(c: KafkaClient): number | null {
  return c.producer?.record_send_rate ?? c.consumer?.records_consumed_rate ?? null;
}

function latency(c: KafkaClient): number | null {
  return c.producer?.request_latency_avg_ms ?? c.consumer?.fetch_latency_avg_ms ?? null;
}

/** The columns both this page and a group's page show. */
export function clientColumns(ctx: PageContext): Column<KafkaClient>[] {
  return [
    { key: "client", label: "Client", cell: (c) => h("code", null, c.client_id), value: (c) => c.client_id },
    { key: "kind", label: "Kind", cell: (c) => c.kind, value: (c) => c.kind },
    { key: "state", label: "State", cell: (c) => [clientState(c), c.liveness.dead_reason ? h("div", { class: "muted", "data-reason": c.client_id }, c.liveness.dead_reason) : null], value: (c) => (c.liveness.alive ? 1 : 0) },
    { key: "rate", label: "Records/s", numeric: true, cell: (c) => messageRate(rate(c)), value: rate },
    { key: "latency", label: "Latency", numeric: true, cell: (c) => (latency(c) === null ? UNKNOWN : `${latency(c)?.toFixed(1)} ms`), value: latency },
    { key: "seen", label: "Last seen", cell: (c) => ago(c.liveness.last_seen_ms), value: (c) => c.liveness.last_seen_ms },
    {
      key: "groups",
      label: "Groups",
      cell: (c) => (c.liveness.groups.length ? c.liveness.groups.map((g, i) => [i ? ", " : null, h("a", { href: linkTo(ctx.route, ctx.cluster, "group", g), "data-nav": true }, g)]) : UNKNOWN),
    },
  ];
}

export function clientsPage(ctx: PageContext): Page {
  const figures = h("div", { class: "figures" });
  const list = h("section", { class: "panel" });
  const element = h("div", { class: "page clients" }, figures, list);
  return {
    title: "Clients",
    element,
    async update(signal) {
      const answer = await api.clients(ctx.cluster);
      if (signal.aborted) return;
      if (answer === null) {
        fill(figures);
        fill(list, h("p", { class: "muted", "data-empty": "clients" }, "No JMX source is configured for this cluster, or it has not been read yet: add the clients' agents under [clusters.jmx_exporter] (see docs/CONFIG.md)."));
        return;
      }
      const clients = answer.clients;
      const dead = clients.filter((c) => !c.liveness.alive).length;
      fill(
        figures,
        tiles([
          { id: "clients", label: "Clients alive", value: `${clients.length - dead} / ${clients.length}`, tone: problemTone(dead) },
          { id: "producers", label: "Producers", value: count(clients.filter((c) => c.kind === "producer").length) },
          { id: "consumers", label: "Consumers", value: count(clients.filter((c) => c.kind === "consumer").length) },
        ]),
      );
      fill(
        list,
        h("header", { class: "panel-head" }, h("h3", null, "Clients")),
        table(clientColumns(ctx), clients, { key: (c) => `${c.kind}-${c.client_id}`, name: "clients", empty: "No Kafka clients on the configured pages" }),
      );
    },
    dispose() {},
  };
}
