// "1–50 of 1,234" with previous/next links and a page-size choice; the page
// is a URL parameter, so paging is a navigation like any other.

import { h } from "./dom";
import { exact } from "./format";

export const PAGE_SIZES = [25, 50, 100, 250];
export const DEFAULT_PAGE_SIZE = 50;

export function pager(options: {
  total: number;
  page: number;
  size: number;
  href: (page: number, size: number) => string;
  noun: string;
  /** No page-size choice (the size is fixed). */
  fixedSize?: boolean;
}): HTMLElement {
  const { total, page, size, href, noun } = options;
  const pages = Math.max(1, Math.ceil(total / size));
  const first = total === 0 ? 0 : page * size + 1;
  const last = Math.min(total, (page + 1) * size);
  const link = (label: string, target: number, enabled: boolean, rel: string) =>
    enabled
      ? h("a", { class: "button", href: href(target, size), "data-nav": true, rel }, label)
      : h("span", { class: "button disabled", "aria-disabled": "true" }, label);
  const sizes = options.fixedSize
    ? null
    : h(
    "select",
    {
      "aria-label": "Rows per page",
      "data-control": "page-size",
      onchange: (event: Event) => {
        const chosen = Number((event.target as HTMLSelectElement).value);
        history.pushState(null, "", href(0, chosen));
        dispatchEvent(new PopStateEvent("popstate"));
      },
    },
    PAGE_SIZES.map((n) => h("option", { value: n, selected: n === size }, `${n} per page`)),
  );
  return h(
    "nav",
    { class: "pager", "aria-label": `${noun} pages` },
    h("span", { class: "pager-range", "data-total": total }, `${exact(first)}–${exact(last)} of ${exact(total)} ${noun}`),
    h(
      "span",
      { class: "pager-buttons" },
      link("‹ Prev", page - 1, page > 0, "prev"),
      h("span", { class: "pager-page" }, `Page ${page + 1} of ${pages}`),
      link("Next ›", page + 1, page + 1 < pages, "next"),
      sizes,
    ),
  );
}
