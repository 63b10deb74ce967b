// Data tables: sortable headers are links (the sort lives in the URL), every
// cell names its column (`data-col`) and carries its raw figure
// (`data-value`) next to the formatted text, with the exact value on hover.

import { h, type Child } from "./dom";

export interface Column<T> {
  key: string;
  label: string;
  /** The server's sort key for this column, when it sorts. */
  sort?: string;
  numeric?: boolean;
  cell: (row: T) => Child;
  /** The raw figure behind the cell, for `data-value` and the tooltip. */
  value?: (row: T) => number | string | null;
}

export interface SortState {
  sort: string | null;
  order: "asc" | "desc";
  /** The URL that sorts by `key` (toggling the order when already sorted by it). */
  href: (key: string, order: "asc" | "desc") => string;
}

function header<T>(column: Column<T>, sorting?: SortState): HTMLElement {
  const cls = column.numeric ? "num" : "";
  if (!column.sort || !sorting) return h("th", { class: cls, scope: "col" }, column.label);
  const active = sorting.sort === column.sort;
  // Numbers sort largest first on the first click, names A to Z.
  const first = column.numeric ? "desc" : "asc";
  const next = active ? (sorting.order === "asc" ? "desc" : "asc") : first;
  const arrow = active ? (sorting.order === "asc" ? " ▲" : " ▼") : "";
  return h(
    "th",
    { class: `${cls} sortable${active ? " sorted" : ""}`, scope: "col", "aria-sort": active ? (sorting.order === "asc" ? "ascending" : "descending") : null },
    h("a", { href: sorting.href(column.sort, next), "data-nav": true, "data-sort": column.sort }, column.label, arrow),
  );
}

export function table<T>(
  columns: Column<T>[],
  rows: T[],
  options: { key: (row: T) => string; sorting?: SortState; empty?: string; name: string },
): HTMLElement {
  const head = h("tr", null, columns.map((c) => header(c, options.sorting)));
  const body = rows.map((row) =>
    h(
      "tr",
      { "data-key": options.key(row) },
      columns.map((c) => {
        const value = c.value ? c.value(row) : null;
        return h(
          "td",
          { class: c.numeric ? "num" : null, "data-col": c.key, "data-value": value ?? null, title: value ?? null },
          c.cell(row),
        );
      }),
    ),
  );
  const empty = rows.length === 0
    ? h("tr", { class: "empty" }, h("td", { colspan: columns.length }, options.empty ?? "Nothing to show"))
    : null;
  return h(
    "div",
    { class: "table-wrap" },
    h("table", { class: "data", "data-table": options.name }, h("thead", null, head), h("tbody", null, body, empty)),
  );
}
