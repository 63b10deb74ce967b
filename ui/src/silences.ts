// Silences on the alerts page: a form to silence alerts by label matchers
// (filled in from an alert with one click), the list of silences with a
// button to end one, and acknowledging one alert until it resolves.
// Matchers are written as Alertmanager's are: name=value, name!=value,
// name=~regex, name!~regex, one per line.

import { ApiError, api, type AlertItem, type Silence, type SilenceMatcher } from "./api";
import { badge } from "./badges";
import { fill, h } from "./dom";
import { ago, clock } from "./format";
import { table, type Column } from "./table";

const DURATIONS: [string, number][] = [
  ["1 hour", 3_600_000],
  ["2 hours", 7_200_000],
  ["1 day", 86_400_000],
  ["1 week", 7 * 86_400_000],
];

/** Who the UI says is acting: remembered in the browser, not sent anywhere else. */
const AUTHOR_KEY = "kafkascope.author";

export function parseMatchers(text: string): SilenceMatcher[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const found = /^([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"?(.*?)"?$/.exec(line);
      if (!found) throw new Error(`not a matcher: ${line} (write name=value, name!=value, name=~regex or name!~regex)`);
      const [, name, op, value] = found;
      return { name, value, isRegex: op.includes("~"), isEqual: !op.startsWith("!") };
    });
}

export function formatMatcher(m: SilenceMatcher): string {
  return `${m.name}${m.isEqual ? "" : "!"}${m.isRegex ? "=~" : "="}${m.value}`;
}

export class SilenceForm {
  readonly element: HTMLElement;
  private readonly matchers = h("textarea", { rows: 4, "data-control": "silence-matchers", placeholder: "alertname=KafkaBrokerUnreachable\ncluster=prod" });
  private readonly duration = h("select", { "data-control": "silence-duration" }, DURATIONS.map(([label, ms]) => h("option", { value: ms }, label)));
  private readonly author = h("input", { type: "text", "data-control": "silence-author", placeholder: "your name", value: localStorage.getItem(AUTHOR_KEY) ?? "" });
  private readonly comment = h("input", { type: "text", "data-control": "silence-comment", placeholder: "why" });
  private readonly message = h("span", { class: "form-message", "data-silence-message": "" });

  constructor(private readonly changed: () => void) {
    this.element = h(
      "form",
      { class: "panel silence-form", "data-form": "silence", onsubmit: (e: Event) => void this.submit(e) },
      h("header", { class: "panel-head" }, h("h3", null, "New silence")),
      h("label", null, "Matchers ", this.matchers),
      h("div", { class: "form-row" }, h("label", null, "For ", this.duration), h("label", null, "By ", this.author), h("label", { class: "grow" }, "Comment ", this.comment)),
      h("div", { class: "form-row" }, h("button", { type: "submit", class: "button", "data-control": "silence-create" }, "Silence"), this.message),
    );
  }

  /** Fills the matchers with an alert's labels, to silence exactly it. */
  prefill(alert: AlertItem): void {
    this.matchers.value = Object.entries(alert.labels)
      .map(([name, value]) => `${name}=${value}`)
      .join("\n");
    this.element.scrollIntoView({ block: "nearest" });
    this.comment.focus();
  }

  private async submit(event: Event): Promise<void> {
    event.preventDefault();
    try {
      localStorage.setItem(AUTHOR_KEY, this.author.value);
      const { id } = await api.createSilence({
        matchers: parseMatchers(this.matchers.value),
        ends_at_ms: Date.now() + Number(this.duration.value),
        created_by: this.author.value,
        comment: this.comment.value,
      });
      fill(this.message, `Silence ${id} created`);
      this.comment.value = "";
      this.changed();
    } catch (error) {
      fill(this.message, badge("refused", "bad"), " ", error instanceof Error ? error.message : String(error));
    }
  }
}

/** Asks who acknowledges, then silences the alert until it resolves. */
export async function acknowledge(alert: AlertItem, changed: () => void): Promise<void> {
  const author = prompt("Acknowledge as:", localStorage.getItem(AUTHOR_KEY) ?? "");
  if (!author) return;
  localStorage.setItem(AUTHOR_KEY, author);
  try {
    await api.acknowledge(alert.labels, author, "acknowledged in the web UI");
  } catch (error) {
    alert_(error);
  }
  changed();
}

function alert_(error: unknown): void {
  window.alert(error instanceof ApiError || error instanceof Error ? error.message : String(error));
}

export function silenceColumns(changed: () => void): Column<Silence>[] {
  return [
    { key: "state", label: "State", cell: (s) => badge(s.state, s.state === "active" ? "warn" : "idle"), value: (s) => s.state },
    { key: "matchers", label: "Matchers", cell: (s) => s.matchers.map((m) => h("code", { class: "label" }, formatMatcher(m))) },
    { key: "kind", label: "Kind", cell: (s) => (s.until_resolved ? "acknowledgement" : "silence") },
    { key: "until", label: "Until", cell: (s) => (s.until_resolved && s.state === "active" ? "resolved" : clock(s.ends_at_ms)), value: (s) => s.ends_at_ms },
    { key: "by", label: "By", cell: (s) => [s.created_by, h("div", { class: "muted" }, s.comment)] },
    { key: "since", label: "Since", cell: (s) => ago(s.starts_at_ms), value: (s) => s.starts_at_ms },
    {
      key: "actions",
      label: "",
      cell: (s) =>
        s.state === "expired"
          ? null
          : h(
              "button",
              {
                type: "button",
                class: "button small",
                "data-control": `expire-${s.id}`,
                onclick: async () => {
                  try {
                    await api.expireSilence(s.id);
                  } catch (error) {
                    alert_(error);
                  }
                  changed();
                },
              },
              "Expire",
            ),
    },
  ];
}

export function silencesTable(silences: Silence[], changed: () => void): HTMLElement {
  return table(silenceColumns(changed), silences, { key: (s) => s.id, name: "silences", empty: "No silences" });
}
