// The time range charts show, and how often pages refresh: both read from
// and written to the URL (`range`, `from`, `to`, `refresh`).

import type { Route } from "./route";

export const PRESETS: Record<string, number> = {
  "5m": 5 * 60,
  "15m": 15 * 60,
  "1h": 3600,
  "6h": 6 * 3600,
  "24h": 24 * 3600,
  "7d": 7 * 24 * 3600,
};
export const DEFAULT_PRESET = "1h";

export const REFRESH_CHOICES: Record<string, number> = {
  off: 0,
  "5s": 5,
  "15s": 15,
  "30s": 30,
  "1m": 60,
  "5m": 300,
};
export const DEFAULT_REFRESH = "15s";

/** What the picker says; resolve it to instants with [`resolveRange`]. */
export interface TimeRange {
  /** A key of [`PRESETS`] or `custom`. */
  name: string;
  /** Unix seconds, for `custom` only. */
  from: number | null;
  to: number | null;
}

export function timeRange(route: Route): TimeRange {
  const name = route.params.get("range") ?? DEFAULT_PRESET;
  if (name === "custom") {
    const from = Number(route.params.get("from"));
    const to = Number(route.params.get("to"));
    if (Number.isFinite(from) && Number.isFinite(to) && from > 0 && to > from) {
      return { name, from, to };
    }
  }
  return { name: name in PRESETS ? name : DEFAULT_PRESET, from: null, to: null };
}

/** Start and end in Unix seconds, relative ranges ending now. */
export function resolveRange(range: TimeRange, nowMs = Date.now()): { start: number; end: number } {
  if (range.name === "custom" && range.from !== null && range.to !== null) {
    return { start: range.from, end: range.to };
  }
  const end = Math.floor(nowMs / 1000);
  return { start: end - PRESETS[range.name], end };
}

/**
 * Seconds between points: about 300 points per chart. The floor is 1 s, the
 * shortest collection interval, rather than anything coarser: a floor of 5 s
 * would leave the 5-minute range with 60 points, fewer than any longer one.
 */
export function stepFor(start: number, end: number): number {
  return Math.max(1, Math.ceil((end - start) / 300));
}

export function refreshSeconds(route: Route): number {
  const name = route.params.get("refresh") ?? DEFAULT_REFRESH;
  return REFRESH_CHOICES[name] ?? REFRESH_CHOICES[DEFAULT_REFRESH];
}

export function refreshName(route: Route): string {
  const name = route.params.get("refresh") ?? DEFAULT_REFRESH;
  return name in REFRESH_CHOICES ? name : DEFAULT_REFRESH;
}
