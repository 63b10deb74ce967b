// The shell: header (cluster switcher, sections, time range, refresh,
// theme), client-side navigation over the History API, and the refresh loop
// that asks the current page to update itself.

import { api, ApiError, type ClusterListItem } from "./api";
import { fill, h } from "./dom";
import { clock } from "./format";
import type { Page, PageContext } from "./page";
import { alertsPage } from "./pages/alerts";
import { brokersPage } from "./pages/brokers";
import { clientsPage } from "./pages/clients";
import { connectPage } from "./pages/connect";
import { eventsPage } from "./pages/events";
import { groupPage } from "./pages/group";
import { groupsPage } from "./pages/groups";
import { overviewPage } from "./pages/overview";
import { quorumPage } from "./pages/quorum";
import { topicPage } from "./pages/topic";
import { topicsPage } from "./pages/topics";
import { linkTo, parseRoute, type PageName, type Route } from "./route";
import { cycleTheme, themeChoice } from "./theme";
import { refreshPicker, timePicker } from "./time_picker";
import { refreshSeconds, timeRange } from "./time_range";

const SECTIONS: [PageName, string][] = [
  ["overview", "Overview"],
  ["brokers", "Brokers"],
  ["topics", "Topics"],
  ["groups", "Consumer groups"],
  ["clients", "Clients"],
  ["connect", "Connect"],
  ["quorum", "Quorum"],
  ["events", "Events"],
  ["alerts", "Alerts"],
];

/** The list a detail page belongs to, for the highlighted section. */
const SECTION_OF: Record<PageName, PageName> = {
  overview: "overview",
  brokers: "brokers",
  topics: "topics",
  topic: "topics",
  groups: "groups",
  group: "groups",
  clients: "clients",
  alerts: "alerts",
  connect: "connect",
  quorum: "quorum",
  events: "events",
};

function makePage(ctx: PageContext): Page {
  const { page, entity } = ctx.route;
  switch (page) {
    case "brokers":
      return brokersPage(ctx);
    case "topics":
      return topicsPage(ctx);
    case "topic":
      return topicPage(ctx, entity ?? "");
    case "groups":
      return groupsPage(ctx);
    case "group":
      return groupPage(ctx, entity ?? "");
    case "clients":
      return clientsPage(ctx);
    case "alerts":
      return alertsPage(ctx);
    case "connect":
      return connectPage(ctx);
    case "quorum":
      return quorumPage(ctx);
    case "events":
      return eventsPage(ctx);
    case "overview":
      return overviewPage(ctx);
  }
}

export class App {
  private clusters: ClusterListItem[] | null = null;
  private page: Page | null = null;
  private running: AbortController | null = null;
  private timer: number | undefined;
  private readonly status = h("span", { class: "updated", "data-status": "idle" });
  private readonly banner = h("div", { class: "banner-slot" });
  /** Beside "Alerts" in the sections: how many of this cluster's alerts fire. */
  private readonly alertCount = h("span", { class: "nav-count", "data-alert-count": "" });
  /** Each cluster's sources beside the Kafka protocol, once known (Connect's section shows only with one). */
  private readonly sources = new Map<string, string[]>();
  private connectLink: HTMLElement | null = null;

  constructor(private readonly root: HTMLElement) {
    addEventListener("popstate", () => void this.render());
    document.addEventListener("click", (event) => this.followLink(event));
  }

  navigate(url: string): void {
    history.pushState(null, "", url);
    void this.render();
  }

  private followLink(event: MouseEvent): void {
    const link = (event.target as Element).closest("a[data-nav]") as HTMLAnchorElement | null;
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    this.navigate(link.getAttribute("href") ?? "/");
  }

  async render(): Promise<void> {
    this.page?.dispose();
    this.page = null;
    this.running?.abort();
    clearTimeout(this.timer);
    const route = parseRoute(new URL(location.href));
    if (this.clusters === null || route.cluster === null) {
      try {
        this.clusters = (await api.clusters()).clusters;
      } catch (error) {
        fill(this.root, this.header(route), h("main", null, errorBanner(error)));
        return;
      }
    }
    if (route.cluster === null) {
      const first = this.clusters[0];
      if (!first) {
        fill(this.root, this.header(route), h("main", null, h("div", { class: "banner" }, "No clusters are configured.")));
        return;
      }
      history.replaceState(null, "", linkTo(route, first.name, "overview"));
      return this.render();
    }
    const ctx: PageContext = {
      route,
      cluster: route.cluster,
      range: timeRange(route),
      replace: (url) => {
        history.replaceState(null, "", url);
        ctx.route = parseRoute(new URL(location.href));
        void this.update();
      },
    };
    const page = makePage(ctx);
    this.page = page;
    document.title = `${page.title} · ${route.cluster} · kafkascope`;
    document.documentElement.dataset.page = route.page;
    fill(this.root, this.header(route), h("main", null, this.banner, page.element));
    await this.update();
  }

  /** Runs the page's update, then schedules the next one. */
  private async update(): Promise<void> {
    const page = this.page;
    if (!page) return;
    this.running?.abort();
    clearTimeout(this.timer);
    const running = new AbortController();
    this.running = running;
    this.status.dataset.status = "loading";
    try {
      await Promise.all([page.update(running.signal), this.countAlerts(), this.learnSources()]);
      if (running.signal.aborted) return;
      fill(this.banner);
      fill(this.status, `Updated ${clock(Date.now())}`);
      this.status.dataset.status = "ready";
    } catch (error) {
      if (running.signal.aborted) return;
      fill(this.banner, errorBanner(error));
      this.status.dataset.status = "error";
    }
    const every = refreshSeconds(parseRoute(new URL(location.href)));
    if (every > 0 && this.page === page) {
      this.timer = window.setTimeout(() => void this.update(), every * 1000);
    }
  }

  /** The badge beside "Alerts"; a failure leaves it as it was. */
  private async countAlerts(): Promise<void> {
    const cluster = parseRoute(new URL(location.href)).cluster;
    if (cluster === null) return;
    try {
      // Counts only: a thousand groups may each have an alert.
      const { firing_unsilenced: firing } = await api.clusterAlerts(cluster, { limit: 0 });
      // Silenced alerts are in hand: the badge counts those that are not.
      fill(this.alertCount, firing > 0 ? String(firing) : "");
      this.alertCount.dataset.alertCount = String(firing);
      this.alertCount.title = `${firing} firing and not silenced`;
    } catch {
      // The page's own update reports what is wrong with the server.
    }
  }

  /** Shows "Connect" in the sections once the cluster is known to watch Connect. */
  private async learnSources(): Promise<void> {
    const cluster = parseRoute(new URL(location.href)).cluster;
    if (cluster === null) return;
    if (!this.sources.has(cluster)) {
      try {
        this.sources.set(cluster, (await api.brokers(cluster)).sources);
      } catch {
        // Before the first cycle: asked again on the next update.
        return;
      }
    }
    if (this.connectLink && this.sources.get(cluster)?.includes("connect")) this.connectLink.hidden = false;
  }

  private header(route: Route): HTMLElement {
    const navigate = (url: string) => this.navigate(url);
    const cluster = route.cluster;
    const switcher = h(
      "select",
      {
        class: "cluster-switcher",
        "aria-label": "Cluster",
        "data-control": "cluster",
        onchange: (event: Event) => {
          const name = (event.target as HTMLSelectElement).value;
          const section = SECTION_OF[route.page];
          navigate(linkTo(route, name, section));
        },
      },
      (this.clusters ?? []).map((c) => h("option", { value: c.name, selected: c.name === cluster }, c.name)),
    );
    const sections = cluster
      ? SECTIONS.map(([page, label]) =>
          h(
            "a",
            {
              href: linkTo(route, cluster, page),
              "data-nav": true,
              "data-section": page,
              "aria-current": SECTION_OF[route.page] === page ? "page" : null,
              hidden: page === "connect" && route.page !== "connect" && !this.sources.get(cluster)?.includes("connect"),
            },
            label,
            page === "alerts" ? this.alertCount : null,
          ),
        )
      : [];
    this.connectLink = sections.find((a) => a.dataset.section === "connect") ?? null;
    const theme = h(
      "button",
      {
        type: "button",
        class: "button theme-toggle",
        "data-control": "theme",
        title: "Theme: system, light or dark",
        onclick: () => {
          const choice = cycleTheme();
          theme.textContent = themeLabel(choice);
          void this.render();
        },
      },
      themeLabel(themeChoice()),
    );
    return h(
      "header",
      { class: "top" },
      h(
        "div",
        { class: "top-row" },
        h("a", { class: "brand", href: cluster ? linkTo(route, cluster, "overview") : "/", "data-nav": true }, h("span", { class: "logo" }, "◎"), "kafkascope"),
        switcher,
        h("nav", { class: "sections", "aria-label": "Sections" }, sections),
        h("span", { class: "spacer" }),
        theme,
      ),
      h("div", { class: "top-row controls" }, timePicker(route, navigate), h("span", { class: "spacer" }), this.status, refreshPicker(route, navigate)),
    );
  }
}

function themeLabel(choice: string): string {
  return { auto: "◐ System", light: "☀ Light", dark: "☾ Dark" }[choice] ?? choice;
}

function errorBanner(error: unknown): HTMLElement {
  if (error instanceof ApiError && error.status === 503) {
    return h("div", { class: "banner waiting", "data-banner": "waiting" }, "Waiting for the first collection cycle… ", h("span", { class: "muted" }, error.message));
  }
  const message = error instanceof Error ? error.message : String(error);
  return h("div", { class: "banner error", "data-banner": "error" }, message);
}
