// Everything a view shows is in its URL, so a link restores it exactly:
//   /clusters/{cluster}[/brokers | /topics[/{topic}] | /groups[/{group}] | /clients | /alerts
//                       | /connect | /quorum | /events]
//   ?range=1h | range=custom&from=<unix s>&to=<unix s>, refresh=15s,
//   per list: q (filter), status, sort, order, page, size; and on a topic
//   or group page, the partitions' sort, order and page; on the events page
//   broker, kind and level.

export type PageName = "overview" | "brokers" | "topics" | "topic" | "groups" | "group" | "clients" | "alerts" | "connect" | "quorum" | "events";

export interface Route {
  /** `null` on `/`, before a cluster is chosen. */
  cluster: string | null;
  page: PageName;
  /** The topic or group of a detail page. */
  entity: string | null;
  params: URLSearchParams;
}

/** Parameters that follow the user from page to page. */
const GLOBAL_PARAMS = ["range", "from", "to", "refresh"];

export function parseRoute(url: URL): Route {
  const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(url.search);
  if (parts[0] !== "clusters" || parts.length < 2) {
    return { cluster: null, page: "overview", entity: null, params };
  }
  const cluster = parts[1];
  const section = parts[2];
  const entity = parts.length > 3 ? parts.slice(3).join("/") : null;
  if (section === "brokers") return { cluster, page: "brokers", entity: null, params };
  if (section === "clients") return { cluster, page: "clients", entity: null, params };
  if (section === "alerts") return { cluster, page: "alerts", entity: null, params };
  if (section === "connect") return { cluster, page: "connect", entity: null, params };
  if (section === "quorum") return { cluster, page: "quorum", entity: null, params };
  if (section === "events") return { cluster, page: "events", entity: null, params };
  if (section === "topics") return { cluster, page: entity ? "topic" : "topics", entity, params };
  if (section === "groups") return { cluster, page: entity ? "group" : "groups", entity, params };
  return { cluster, page: "overview", entity: null, params };
}

/** The path of a page, without its query. */
export function pathOf(cluster: string, page: PageName, entity: string | null = null): string {
  const base = `/clusters/${encodeURIComponent(cluster)}`;
  switch (page) {
    case "overview":
      return base;
    case "brokers":
      return `${base}/brokers`;
    case "topics":
      return `${base}/topics`;
    case "groups":
      return `${base}/groups`;
    case "clients":
      return `${base}/clients`;
    case "alerts":
      return `${base}/alerts`;
    case "connect":
      return `${base}/connect`;
    case "quorum":
      return `${base}/quorum`;
    case "events":
      return `${base}/events`;
    case "topic":
      return `${base}/topics/${encodeURIComponent(entity ?? "")}`;
    case "group":
      return `${base}/groups/${encodeURIComponent(entity ?? "")}`;
  }
}

function withQuery(path: string, params: URLSearchParams): string {
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}

/** A link to another page, carrying the time range and refresh along. */
export function linkTo(
  from: Route,
  cluster: string,
  page: PageName,
  entity: string | null = null,
  extra: Record<string, string> = {},
): string {
  const params = new URLSearchParams();
  for (const name of GLOBAL_PARAMS) {
    const value = from.params.get(name);
    if (value !== null) params.set(name, value);
  }
  for (const [name, value] of Object.entries(extra)) params.set(name, value);
  return withQuery(pathOf(cluster, page, entity), params);
}

/** The current page with some parameters changed (`null` removes one). */
export function withParams(route: Route, changes: Record<string, string | null>): string {
  const params = new URLSearchParams(route.params);
  for (const [name, value] of Object.entries(changes)) {
    if (value === null || value === "") params.delete(name);
    else params.set(name, value);
  }
  const path = route.cluster === null ? "/" : pathOf(route.cluster, route.page, route.entity);
  return withQuery(path, params);
}

/** A non-negative integer parameter, or `fallback`. */
export function intParam(route: Route, name: string, fallback: number): number {
  const value = Number(route.params.get(name));
  return Number.isInteger(value) && value >= 0 && route.params.has(name) ? value : fallback;
}
