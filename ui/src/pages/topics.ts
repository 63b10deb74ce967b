// Topics: searched, sorted and paged by the server, so a cluster with
// thousands of topics costs one page of rows.

import { api, type TopicListItem } from "../api";
import { badge } from "../badges";
import { fill, h } from "../dom";
import { byteRate, bytes, count, messageRate } from "../format";
import { listState, pageHref, pageParams, searchBox, sorting } from "../list_controls";
import type { Page, PageContext } from "../page";
import { pager } from "../pager";
import { linkTo } from "../route";
import { table, type Column } from "../table";

export function topicsPage(ctx: PageContext): Page {
  const body = h("section", { class: "panel" });
  const element = h(
    "div",
    { class: "page topics" },
    h("div", { class: "toolbar" }, searchBox(ctx, "Search topics")),
    body,
  );
  const columns: Column<TopicListItem>[] = [
    {
      key: "name",
      label: "Topic",
      sort: "name",
      cell: (t) => [h("a", { href: linkTo(ctx.route, ctx.cluster, "topic", t.name), "data-nav": true }, t.name), t.internal ? badge("internal", "idle") : null],
      value: (t) => t.name,
    },
    { key: "partitions", label: "Partitions", sort: "partitions", numeric: true, cell: (t) => count(t.partition_count), value: (t) => t.partition_count },
    { key: "replication_factor", label: "RF", sort: "replication_factor", numeric: true, cell: (t) => count(t.replication_factor), value: (t) => t.replication_factor },
    {
      key: "under_replicated",
      label: "Under-replicated",
      sort: "under_replicated_partitions",
      numeric: true,
      cell: (t) => (t.under_replicated_partitions > 0 ? badge(count(t.under_replicated_partitions), "warn") : "0"),
      value: (t) => t.under_replicated_partitions,
    },
    {
      key: "offline",
      label: "Offline",
      sort: "offline_partitions",
      numeric: true,
      cell: (t) => (t.offline_partitions > 0 ? badge(count(t.offline_partitions), "bad") : "0"),
      value: (t) => t.offline_partitions,
    },
    { key: "messages_in", label: "Messages in", sort: "messages_in_per_sec", numeric: true, cell: (t) => messageRate(t.messages_in_per_sec), value: (t) => t.messages_in_per_sec },
    { key: "bytes_in", label: "Bytes in", sort: "bytes_in_per_sec", numeric: true, cell: (t) => byteRate(t.bytes_in_per_sec), value: (t) => t.bytes_in_per_sec },
    { key: "size", label: "Size", sort: "size_bytes", numeric: true, cell: (t) => bytes(t.size_bytes), value: (t) => t.size_bytes },
  ];

  return {
    title: "Topics",
    element,
    async update(signal) {
      const state = listState(ctx, null, "asc");
      const list = await api.topics(ctx.cluster, { filter: state.filter, ...pageParams(state) });
      if (signal.aborted) return;
      fill(
        body,
        table(columns, list.topics, {
          key: (t) => t.name,
          name: "topics",
          sorting: sorting(ctx, state),
          empty: state.filter ? `No topic name contains “${state.filter}”` : "No topics",
        }),
        pager({ total: list.total, page: state.page, size: state.size, href: pageHref(ctx), noun: "topics" }),
      );
    },
    dispose() {},
  };
}
