// The cluster's alerts: what fires and what is pending (worst first), how
// many alerts were active over the picked range, the latest changes, and
// every rule with its health, so a rule that cannot be evaluated is seen.

import { api, type AlertEvent, type AlertItem, type AlertRule, type ClusterAlerts, type ReceiverStats } from "../api";
import { badge, type Tone } from "../badges";
import { Chart } from "../chart";
import { fill, h } from "../dom";
import { ago, clock, count, UNKNOWN } from "../format";
import { quote } from "../history";
import type { Page, PageContext } from "../page";
import { linkTo } from "../route";
import { acknowledge, SilenceForm, silencesTable } from "../silences";
import { table, type Column } from "../table";
import { problemTone, tiles } from "../tiles";

/** Labels every alert has, or that the table shows in columns of their own. */
const SHOWN = new Set(["alertname", "cluster", "severity"]);

const SEVERITY_TONES: Record<string, Tone> = { critical: "bad", warning: "warn", info: "idle" };

function stateCell(a: AlertItem): HTMLElement[] {
  const cells = [alertState(a.state)];
  if (a.silencedBy?.length) cells.push(badge("silenced", "idle", `by ${a.silencedBy.join(", ")}`));
  return cells;
}

export function alertState(state: string): HTMLElement {
  if (state === "firing") return badge("firing", "bad");
  if (state === "pending") return badge("pending", "warn");
  return badge("resolved", "ok");
}

function severity(labels: Record<string, string>): HTMLElement | string {
  const s = labels.severity;
  return s ? badge(s, SEVERITY_TONES[s] ?? "idle") : UNKNOWN;
}

function otherLabels(labels: Record<string, string>): HTMLElement[] {
  return Object.entries(labels)
    .filter(([name]) => !SHOWN.has(name))
    .map(([name, value]) => h("code", { class: "label" }, `${name}=${value}`));
}

function rank(a: AlertItem): number {
  return (a.state === "firing" ? 0 : 10) + ({ critical: 0, warning: 1, info: 2 }[a.labels.severity] ?? 3);
}

function alertColumns(form: SilenceForm | null, changed: () => void): Column<AlertItem>[] {
  const columns: Column<AlertItem>[] = [
    { key: "state", label: "State", cell: stateCell, value: rank },
    { key: "alert", label: "Alert", cell: (a) => h("strong", null, a.labels.alertname), value: (a) => a.labels.alertname },
    { key: "severity", label: "Severity", cell: (a) => severity(a.labels), value: (a) => a.labels.severity ?? "" },
    { key: "summary", label: "Summary", cell: (a) => [a.annotations.summary ?? "", h("div", null, otherLabels(a.labels))] },
    { key: "since", label: "Active since", cell: (a) => ago(Date.parse(a.activeAt)), value: (a) => Date.parse(a.activeAt) },
    { key: "value", label: "Value", numeric: true, cell: (a) => a.value, value: (a) => Number(a.value) },
  ];
  if (form === null) return columns;
  columns.push({
    key: "actions",
    label: "",
    cell: (a) => [
      h("button", { type: "button", class: "button small", "data-control": "silence-alert", onclick: () => form.prefill(a) }, "Silence…"),
      a.state === "firing" && !a.silencedBy?.length
        ? h("button", { type: "button", class: "button small", "data-control": "acknowledge", onclick: () => void acknowledge(a, changed) }, "Acknowledge")
        : null,
    ],
  });
  return columns;
}

const eventColumns: Column<AlertEvent>[] = [
  { key: "at", label: "At", cell: (e) => clock(e.at_ms), value: (e) => e.at_ms },
  { key: "state", label: "Became", cell: (e) => alertState(e.state), value: (e) => e.state },
  { key: "alert", label: "Alert", cell: (e) => [h("strong", null, e.labels.alertname), " ", otherLabels(e.labels)] },
  { key: "value", label: "Value", numeric: true, cell: (e) => String(e.value), value: (e) => e.value },
];

const ruleColumns: Column<AlertRule>[] = [
  { key: "rule", label: "Rule", cell: (r) => [h("strong", null, r.name), r.curated ? h("span", { class: "muted" }, " curated") : null], value: (r) => r.name },
  { key: "state", label: "State", cell: (r) => (r.state === "inactive" ? badge("ok", "ok") : alertState(r.state)), value: (r) => r.state },
  {
    key: "health",
    label: "Health",
    cell: (r) => (r.health === "err" ? [badge("error", "bad"), h("div", { class: "muted", "data-rule-error": r.name }, r.lastError)] : badge(r.health, r.health === "ok" ? "ok" : "idle")),
    value: (r) => r.health,
  },
  { key: "query", label: "Expression", cell: (r) => h("code", null, r.query) },
  { key: "for", label: "For", numeric: true, cell: (r) => (r.duration ? `${r.duration} s` : "—"), value: (r) => r.duration },
];

type Receiver = ReceiverStats & { name: string };

const receiverColumns: Column<Receiver>[] = [
  { key: "receiver", label: "Receiver", cell: (r) => h("strong", null, r.name), value: (r) => r.name },
  { key: "kind", label: "Kind", cell: (r) => r.kind, value: (r) => r.kind },
  { key: "sent", label: "Sent", numeric: true, cell: (r) => count(r.sent), value: (r) => r.sent },
  { key: "failed", label: "Failed", numeric: true, cell: (r) => (r.failed ? badge(count(r.failed), "bad") : "0"), value: (r) => r.failed },
  { key: "dropped", label: "Dropped", numeric: true, cell: (r) => count(r.dropped), value: (r) => r.dropped },
  {
    key: "error",
    label: "Last error",
    cell: (r) => (r.last_error ? [h("span", { "data-receiver-error": r.name }, r.last_error), h("div", { class: "muted" }, ago(r.last_error_at_ms))] : UNKNOWN),
  },
];

/** The worst alerts the page lists, and the latest changes it shows. */
const ALERTS_PAGE = 100;
const EVENTS_SHOWN = 50;

export function alertsPage(ctx: PageContext): Page {
  const chart = new Chart({
    id: "alerts-active",
    title: "Active alerts",
    lines: [
      {
        query: `count by (alertstate) (ALERTS{cluster=${quote(ctx.cluster)}})`,
        label: (labels) => labels.alertstate ?? "alerts",
      },
    ],
    format: (v) => count(v),
  });
  const figures = h("div", { class: "figures" });
  const active = h("section", { class: "panel" });
  const events = h("section", { class: "panel" });
  const rules = h("section", { class: "panel" });
  const silences = h("section", { class: "panel" });
  const receivers = h("section", { class: "panel" });
  const changed = () => ctx.replace(location.pathname + location.search);
  const form = new SilenceForm(changed);
  const forms = h("div");
  const element = h("div", { class: "page alerts" }, figures, active, forms, silences, chart.element, events, receivers, rules);
  return {
    title: "Alerts",
    element,
    async update(signal) {
      const [alerts, ruleGroups, changes, silenceList, notifications] = await Promise.all([
        api.clusterAlerts(ctx.cluster, { limit: ALERTS_PAGE }),
        api.rules(),
        api.alertEvents(ctx.cluster, EVENTS_SHOWN),
        api.silences(),
        api.notifications(),
      ]);
      if (signal.aborted) return;
      const mine = alerts.alerts;
      const allRules = ruleGroups.data.groups.flatMap((g) => g.rules);
      const failing = allRules.filter((r) => r.health === "err").length;
      fill(
        figures,
        tiles([
          { id: "firing", label: "Firing", value: count(alerts.firing), detail: alerts.silenced ? `${alerts.silenced} silenced` : undefined, tone: problemTone(alerts.firing_unsilenced) },
          { id: "pending", label: "Pending", value: count(alerts.pending), tone: problemTone(alerts.pending, "warn") },
          { id: "rules", label: "Rules", value: count(allRules.length), detail: failing ? `${failing} failing` : "all evaluate", tone: problemTone(failing) },
        ]),
      );
      fill(
        active,
        h("header", { class: "panel-head" }, h("h3", null, "Firing and pending"), alerts.total > mine.length ? h("span", { class: "muted" }, `the worst ${mine.length} of ${count(alerts.total)}`) : null),
        table(alertColumns(silenceList === null ? null : form, changed), mine, { key: (a) => JSON.stringify(a.labels), name: "alerts", empty: "Nothing firing or pending" }),
      );
      // Silences need alerting (and so the history): without, no form.
      fill(forms, silenceList === null ? null : form.element);
      fill(
        silences,
        silenceList === null ? null : [h("header", { class: "panel-head" }, h("h3", null, "Silences")), silencesTable(silenceList.silences, changed)],
      );
      const recent = changes.events.slice().reverse();
      fill(
        events,
        h("header", { class: "panel-head" }, h("h3", null, "Latest changes")),
        table(eventColumns, recent, { key: (e) => `${e.at_ms}-${e.state}-${JSON.stringify(e.labels)}`, name: "alert-events", empty: "No alert has changed yet" }),
      );
      const receiverList = Object.entries(notifications.receivers).map(([name, r]) => ({ ...r, name }));
      fill(
        receivers,
        receiverList.length === 0
          ? null
          : [h("header", { class: "panel-head" }, h("h3", null, "Notifications")), table(receiverColumns, receiverList, { key: (r) => r.name, name: "receivers", empty: "" })],
      );
      fill(
        rules,
        h("header", { class: "panel-head" }, h("h3", null, "Rules")),
        table(ruleColumns, allRules, { key: (r) => r.name + r.query, name: "rules", empty: "No rules are evaluated (alerting or history is off)" }),
      );
      await chart.load(ctx.range, signal);
    },
    dispose() {
      chart.dispose();
    },
  };
}

/** How many alerts a page's own panel lists. */
const CONCERNING_SHOWN = 10;

/**
 * A panel of the active alerts that concern a page (by `any`: `label` or
 * `label=value`; none for all of the cluster's), the worst few with their
 * state, name and summary and a link to the Alerts page; nothing at all
 * when none is active, or when the server has no alerting.
 */
export class ConcerningAlerts {
  readonly element = h("div", { "data-panel": "concerning-alerts" });

  constructor(
    private readonly ctx: PageContext,
    private readonly any: string[],
  ) {}

  async update(signal: AbortSignal): Promise<void> {
    let answer: ClusterAlerts;
    try {
      answer = await api.clusterAlerts(this.ctx.cluster, { limit: CONCERNING_SHOWN, any: this.any });
    } catch {
      return; // The page's own figures say what is wrong with the server.
    }
    if (signal.aborted) return;
    if (answer.total === 0) {
      fill(this.element);
      return;
    }
    const more = answer.total - answer.alerts.length;
    fill(
      this.element,
      h(
        "section",
        { class: "panel concerning-alerts" },
        h(
          "div",
          { class: "concerning-head" },
          h("h3", null, "Alerts"),
          h("a", { href: linkTo(this.ctx.route, this.ctx.cluster, "alerts"), "data-nav": true }, more > 0 ? `${count(more)} more ›` : "All alerts ›"),
        ),
        h(
          "ul",
          null,
          answer.alerts.map((a) => h("li", { "data-alert": a.labels.alertname }, stateCell(a), " ", h("strong", null, a.labels.alertname), " ", a.annotations.summary ?? "")),
        ),
      ),
    );
  }
}
