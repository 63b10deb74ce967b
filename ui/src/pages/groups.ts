// Consumer groups: searched, filtered by status, sorted and paged by the
// server.

import { api, type GroupListItem } from "../api";
import { groupState, groupStatus, groupType } from "../badges";
import { fill, h } from "../dom";
import { count, duration, messageRate, UNKNOWN } from "../format";
import { listState, pageHref, pageParams, searchBox, sorting } from "../list_controls";
import type { Page, PageContext } from "../page";
import { pager } from "../pager";
import { linkTo, withParams } from "../route";
import { table, type Column } from "../table";

const STATUSES: [string, string][] = [
  ["", "Any status"],
  ["ERR", "ERR"],
  ["WARN", "WARN"],
  ["OK", "OK"],
  ["NOT_ENOUGH_DATA", "Not enough data"],
];

export function groupsPage(ctx: PageContext): Page {
  const status = ctx.route.params.get("status") ?? "";
  const statusSelect = h(
    "select",
    {
      "aria-label": "Status",
      "data-control": "status",
      onchange: (event: Event) => ctx.replace(withParams(ctx.route, { status: (event.target as HTMLSelectElement).value, page: null })),
    },
    STATUSES.map(([value, label]) => h("option", { value, selected: value === status }, label)),
  );
  const body = h("section", { class: "panel" });
  const element = h(
    "div",
    { class: "page groups" },
    h("div", { class: "toolbar" }, searchBox(ctx, "Search consumer groups"), statusSelect),
    body,
  );
  const columns: Column<GroupListItem>[] = [
    { key: "name", label: "Group", sort: "name", cell: (g) => h("a", { href: linkTo(ctx.route, ctx.cluster, "group", g.name), "data-nav": true }, g.name), value: (g) => g.name },
    { key: "type", label: "Type", cell: (g) => groupType(g.type), value: (g) => g.type },
    { key: "state", label: "State", sort: "state", cell: (g) => groupState(g.state), value: (g) => g.state },
    { key: "status", label: "Status", sort: "status", cell: (g) => groupStatus(g.status), value: (g) => g.status },
    { key: "members", label: "Members", sort: "members", numeric: true, cell: (g) => count(g.member_count), value: (g) => g.member_count },
    { key: "topics", label: "Topics", cell: (g) => (g.topics.length ? g.topics.join(", ") : UNKNOWN), value: (g) => g.topics.join(",") },
    { key: "lag", label: "Lag", sort: "lag", numeric: true, cell: (g) => count(g.lag_sum), value: (g) => g.lag_sum },
    { key: "lag_seconds", label: "Lag (time)", sort: "lag_seconds", numeric: true, cell: (g) => duration(g.lag_seconds_max), value: (g) => g.lag_seconds_max },
    {
      key: "consumed",
      label: "Consumed",
      sort: "messages_consumed_per_sec",
      numeric: true,
      cell: (g) => messageRate(g.messages_consumed_per_sec),
      value: (g) => g.messages_consumed_per_sec,
    },
  ];

  return {
    title: "Consumer groups",
    element,
    async update(signal) {
      const state = listState(ctx, null, "asc");
      const list = await api.groups(ctx.cluster, {
        filter: state.filter,
        status: ctx.route.params.get("status"),
        ...pageParams(state),
      });
      if (signal.aborted) return;
      fill(
        body,
        table(columns, list.groups, {
          key: (g) => g.name,
          name: "groups",
          sorting: sorting(ctx, state),
          empty: state.filter || ctx.route.params.get("status") ? "No consumer group matches" : "No consumer groups",
        }),
        pager({ total: list.total, page: state.page, size: state.size, href: pageHref(ctx), noun: "groups" }),
      );
    },
    dispose() {},
  };
}
