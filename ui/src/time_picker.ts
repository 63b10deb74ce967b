// The time-range picker (presets as links, plus a custom from/to) and the
// auto-refresh choice, both written into the URL.

import { h } from "./dom";
import { clock } from "./format";
import { withParams, type Route } from "./route";
import { PRESETS, REFRESH_CHOICES, refreshName, timeRange } from "./time_range";

/** `datetime-local` text for Unix seconds, in local time. */
function localInput(seconds: number): string {
  const d = new Date(seconds * 1000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function dayAndClock(seconds: number): string {
  const d = new Date(seconds * 1000);
  return `${d.toLocaleDateString("en-GB", { day: "numeric", month: "short" })} ${clock(seconds * 1000).slice(0, 5)}`;
}

export function timePicker(route: Route, navigate: (url: string) => void): HTMLElement {
  const range = timeRange(route);
  const now = Math.floor(Date.now() / 1000);
  const from = h("input", { type: "datetime-local", "aria-label": "From", "data-control": "from", value: localInput(range.from ?? now - 3600) });
  const to = h("input", { type: "datetime-local", "aria-label": "To", "data-control": "to", value: localInput(range.to ?? now) });
  const error = h("span", { class: "error-text" });
  const custom = h(
    "form",
    {
      class: "custom-range",
      hidden: range.name !== "custom",
      onsubmit: (event: Event) => {
        event.preventDefault();
        const start = Math.floor(new Date(from.value).getTime() / 1000);
        const end = Math.floor(new Date(to.value).getTime() / 1000);
        if (!(start > 0 && end > start)) {
          error.textContent = "From must be before To";
          return;
        }
        navigate(withParams(route, { range: "custom", from: String(start), to: String(end) }));
      },
    },
    from,
    h("span", null, "to"),
    to,
    h("button", { type: "submit", class: "button" }, "Apply"),
    error,
  );
  const presets = Object.keys(PRESETS).map((name) =>
    h(
      "a",
      {
        class: "segment",
        href: withParams(route, { range: name === "1h" ? null : name, from: null, to: null }),
        "data-nav": true,
        "data-range": name,
        "aria-current": range.name === name ? "true" : null,
      },
      name,
    ),
  );
  const customButton = h(
    "button",
    {
      type: "button",
      class: "segment",
      "data-range": "custom",
      "aria-current": range.name === "custom" ? "true" : null,
      onclick: () => {
        custom.hidden = !custom.hidden;
      },
    },
    range.name === "custom" && range.from !== null && range.to !== null
      ? `${dayAndClock(range.from)} – ${dayAndClock(range.to)}`
      : "Custom",
  );
  return h(
    "div",
    { class: "time-picker" },
    h("div", { class: "segments", role: "group", "aria-label": "Time range" }, presets, customButton),
    custom,
  );
}

export function refreshPicker(route: Route, navigate: (url: string) => void): HTMLElement {
  const current = refreshName(route);
  return h(
    "label",
    { class: "refresh" },
    h("span", { class: "muted" }, "Refresh"),
    h(
      "select",
      {
        "data-control": "refresh",
        onchange: (event: Event) => {
          const value = (event.target as HTMLSelectElement).value;
          navigate(withParams(route, { refresh: value === "15s" ? null : value }));
        },
      },
      Object.keys(REFRESH_CHOICES).map((name) => h("option", { value: name, selected: name === current }, name)),
    ),
  );
}
