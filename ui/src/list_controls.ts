// The search box, sorting and paging shared by the topic and group lists and
// by the partition tables of a topic or group: the filter, sort and page
// live in the URL; typing rewrites it in place. The server sorts and pages.

import type { PageParams } from "./api";
import { h } from "./dom";
import { debounce, type PageContext } from "./page";
import { DEFAULT_PAGE_SIZE, PAGE_SIZES, pager } from "./pager";
import { intParam, withParams } from "./route";
import type { SortState } from "./table";

/** Rows per page of a topic's or group's partitions (the size is fixed). */
export const PARTITIONS_PER_PAGE = 100;

/** Which page, in which order: the URL's `sort`, `order` and `page`. */
export interface PageState {
  sort: string | null;
  order: "asc" | "desc";
  page: number;
  size: number;
}

export interface ListState extends PageState {
  filter: string;
}

function pageState(ctx: PageContext, defaultSort: string | null, defaultOrder: "asc" | "desc", size: number): PageState {
  const params = ctx.route.params;
  return {
    sort: params.get("sort") ?? defaultSort,
    order: params.get("order") === "asc" ? "asc" : params.get("order") === "desc" ? "desc" : defaultOrder,
    page: intParam(ctx.route, "page", 0),
    size,
  };
}

export function listState(ctx: PageContext, defaultSort: string | null, defaultOrder: "asc" | "desc"): ListState {
  const size = intParam(ctx.route, "size", DEFAULT_PAGE_SIZE);
  return {
    ...pageState(ctx, defaultSort, defaultOrder, PAGE_SIZES.includes(size) ? size : DEFAULT_PAGE_SIZE),
    filter: ctx.route.params.get("q") ?? "",
  };
}

/** A topic's or group's partitions, in the server's natural order unless sorted. */
export function partitionState(ctx: PageContext): PageState {
  return pageState(ctx, null, "asc", PARTITIONS_PER_PAGE);
}

/** What to ask the server for: the order only when sorted, and one page. */
export function pageParams(state: PageState): PageParams {
  return {
    sort: state.sort,
    order: state.sort ? state.order : null,
    offset: state.page * state.size,
    limit: state.size,
  };
}

export function searchBox(ctx: PageContext, placeholder: string): HTMLInputElement {
  const search = debounce((value: string) => ctx.replace(withParams(ctx.route, { q: value, page: null })), 250);
  return h("input", {
    type: "search",
    class: "search",
    placeholder,
    "aria-label": placeholder,
    "data-control": "filter",
    value: ctx.route.params.get("q") ?? "",
    oninput: (event: Event) => search((event.target as HTMLInputElement).value),
  });
}

export function sorting(ctx: PageContext, state: PageState): SortState {
  return {
    sort: state.sort,
    order: state.order,
    href: (sort, order) => withParams(ctx.route, { sort, order, page: null }),
  };
}

export function pageHref(ctx: PageContext) {
  return (page: number, size: number) =>
    withParams(ctx.route, { page: page > 0 ? String(page) : null, size: size === DEFAULT_PAGE_SIZE ? null : String(size) });
}

/** The pager under a partition table; none when every partition fits on the first page. */
export function partitionPager(ctx: PageContext, state: PageState, total: number): HTMLElement | null {
  if (total <= state.size && state.page === 0) return null;
  return pager({
    total,
    page: state.page,
    size: state.size,
    href: (page) => withParams(ctx.route, { page: page > 0 ? String(page) : null }),
    noun: "partitions",
    fixedSize: true,
  });
}
