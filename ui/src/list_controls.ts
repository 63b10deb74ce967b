// The search box and paging shared by the topic and group lists: the
// filter, sort and page live in the URL; typing rewrites it in place.

import { h } from "./dom";
import { debounce, type PageContext } from "./page";
import { DEFAULT_PAGE_SIZE, PAGE_SIZES } from "./pager";
import { intParam, withParams } from "./route";
import type { SortState } from "./table";

export interface ListState {
  filter: string;
  sort: string | null;
  order: "asc" | "desc";
  page: number;
  size: number;
}

export function listState(ctx: PageContext, defaultSort: string | null, defaultOrder: "asc" | "desc"): ListState {
  const params = ctx.route.params;
  const size = intParam(ctx.route, "size", DEFAULT_PAGE_SIZE);
  return {
    filter: params.get("q") ?? "",
    sort: params.get("sort") ?? defaultSort,
    order: params.get("order") === "asc" ? "asc" : params.get("order") === "desc" ? "desc" : defaultOrder,
    page: intParam(ctx.route, "page", 0),
    size: PAGE_SIZES.includes(size) ? size : DEFAULT_PAGE_SIZE,
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

export function sorting(ctx: PageContext, state: ListState): SortState {
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
