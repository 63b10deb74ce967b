// The figures at the top of a page: a label, a big value and a line of
// context, tinted by how healthy the figure is.

import { h, type Child } from "./dom";
import type { Tone } from "./badges";

export interface Tile {
  id: string;
  label: string;
  value: Child;
  detail?: Child;
  tone?: Tone;
}

export function tiles(items: Tile[]): HTMLElement {
  return h(
    "div",
    { class: "tiles" },
    items.map((t) =>
      h(
        "div",
        { class: `tile${t.tone ? ` ${t.tone}` : ""}`, "data-tile": t.id },
        h("div", { class: "tile-label" }, t.label),
        h("div", { class: "tile-value" }, t.value),
        t.detail ? h("div", { class: "tile-detail" }, t.detail) : null,
      ),
    ),
  );
}

/** Red when any, green when none. */
export function problemTone(count: number, tone: Tone = "bad"): Tone {
  return count > 0 ? tone : "ok";
}
