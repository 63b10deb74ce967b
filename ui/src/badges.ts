// Coloured status words, one palette for every page: ok (green), warn
// (amber), bad (red), idle (grey).

import { h } from "./dom";

export type Tone = "ok" | "warn" | "bad" | "idle";

export function badge(text: string, tone: Tone, title?: string): HTMLElement {
  return h("span", { class: `badge ${tone}`, title: title ?? null, "data-badge": text }, text);
}

const GROUP_STATUS: Record<string, [string, Tone]> = {
  OK: ["OK", "ok"],
  WARN: ["WARN", "warn"],
  ERR: ["ERR", "bad"],
  NOT_ENOUGH_DATA: ["Not enough data", "idle"],
};

export function groupStatus(status: string): HTMLElement {
  const [text, tone] = GROUP_STATUS[status] ?? [status, "idle"];
  return badge(text, tone, status === "NOT_ENOUGH_DATA" ? "The evaluation window is still filling" : undefined);
}

const PARTITION_TONES: Record<string, Tone> = {
  OK: "ok",
  WARN: "warn",
  STOP: "bad",
  STALL: "bad",
  REWIND: "bad",
  NOT_ENOUGH_DATA: "idle",
};

export function partitionStatus(status: string): HTMLElement {
  return badge(status === "NOT_ENOUGH_DATA" ? "Not enough data" : status, PARTITION_TONES[status] ?? "idle");
}

export function groupState(state: string): HTMLElement {
  const tone: Tone =
    state === "Stable" ? "ok" : state === "Dead" ? "bad" : state.includes("Rebalance") ? "warn" : "idle";
  return badge(state, tone);
}

const GROUP_TYPE: Record<string, [string, Tone, string]> = {
  classic: ["classic", "idle", "The classic rebalance protocol"],
  consumer: ["consumer", "ok", "KIP-848 consumer group (group.protocol=consumer)"],
  share: ["share", "warn", "KIP-932 share group: start offsets, no lag"],
  streams: ["streams", "idle", "KIP-1071 Streams group"],
};

/** A consumer group's type (its rebalance protocol). */
export function groupType(type: string): HTMLElement {
  const [text, tone, title] = GROUP_TYPE[type] ?? [type, "idle", type];
  return badge(text, tone, title);
}
