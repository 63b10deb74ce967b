// Chart data from the Prometheus-compatible /api/v1/query_range over
// kafkascope's own history. Charts tell apart a server that keeps no
// history (404, or unreachable), a query the server refused, and a range
// with nothing recorded, because each asks the reader for something else.

export interface Series {
  labels: Record<string, string>;
  points: [number, number][];
}

export type History =
  | { kind: "series"; series: Series[] }
  /** Nothing recorded in the range (the query was fine). */
  | { kind: "empty" }
  /** The server keeps no history or cannot be reached. */
  | { kind: "unavailable"; reason: string }
  /** The server answered the query with an error. */
  | { kind: "failed"; reason: string };

interface PromMatrix {
  status: string;
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] };
}

export async function queryRange(
  query: string,
  start: number,
  end: number,
  step: number,
  signal?: AbortSignal,
): Promise<History> {
  const params = new URLSearchParams({ query, start: String(start), end: String(end), step: String(step) });
  let response: Response;
  try {
    response = await fetch(`/api/v1/query_range?${params}`, { signal });
  } catch (error) {
    if (signal?.aborted) throw error;
    return { kind: "unavailable", reason: "the history API could not be reached" };
  }
  if (response.status === 404) {
    return { kind: "unavailable", reason: "this kafkascope keeps no history (started with --no-history)" };
  }
  let body: PromMatrix;
  try {
    body = (await response.json()) as PromMatrix;
  } catch {
    return { kind: "failed", reason: `the history API answered HTTP ${response.status}` };
  }
  if (!response.ok || body.status !== "success" || !body.data) {
    return { kind: "failed", reason: body.error ?? `the history API answered HTTP ${response.status}` };
  }
  const series = body.data.result
    .map((r) => ({
      labels: r.metric,
      points: r.values
        .map(([t, v]) => [Number(t), Number(v)] as [number, number])
        .filter(([, v]) => Number.isFinite(v)),
    }))
    .filter((s) => s.points.length > 0);
  if (series.length === 0) return { kind: "empty" };
  return { kind: "series", series };
}

/** A PromQL string literal. */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/** A PromQL regex literal matching exactly one of `values`. */
export function anyOf(values: string[]): string {
  return quote(values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"));
}
