// Chart data from the Prometheus-compatible /api/v1/query_range over
// kafkascope's own history. A server without history (404) and an empty
// answer both mean "no history yet", which charts say plainly.

export interface Series {
  labels: Record<string, string>;
  points: [number, number][];
}

export type History =
  | { kind: "series"; series: Series[] }
  | { kind: "none"; reason: string };

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
    return { kind: "none", reason: "the history API could not be reached" };
  }
  if (response.status === 404) {
    return { kind: "none", reason: "this kafkascope keeps no history (the query API is not enabled)" };
  }
  let body: PromMatrix;
  try {
    body = (await response.json()) as PromMatrix;
  } catch {
    return { kind: "none", reason: `the history API answered HTTP ${response.status}` };
  }
  if (!response.ok || body.status !== "success" || !body.data) {
    return { kind: "none", reason: body.error ?? `the history API answered HTTP ${response.status}` };
  }
  const series = body.data.result
    .map((r) => ({
      labels: r.metric,
      points: r.values
        .map(([t, v]) => [Number(t), Number(v)] as [number, number])
        .filter(([, v]) => Number.isFinite(v)),
    }))
    .filter((s) => s.points.length > 0);
  if (series.length === 0) return { kind: "none", reason: "nothing recorded in this time range" };
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
