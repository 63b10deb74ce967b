// Human formatting with one set of rules for every page: counts and rates
// with k/M/G suffixes, bytes in SI units, durations as "2m 05s".
// Unknown figures are shown as an em dash, never as 0.

export const UNKNOWN = "—";

const SI = ["", "k", "M", "G", "T", "P", "E"];

/** Three significant digits at most, trailing zeros trimmed. */
function significant(value: number): string {
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return String(Number(value.toFixed(digits)));
}

/** `value` scaled by powers of `base` into a number and a unit index. */
function scaled(value: number, base: number): [string, number] {
  let v = value;
  let unit = 0;
  while (Math.abs(v) >= base && unit < SI.length - 1) {
    v /= base;
    unit += 1;
  }
  // 999.96k rounds to "1000": show it as 1M instead.
  if (Math.abs(Number(significant(v))) >= base && unit < SI.length - 1) {
    v /= base;
    unit += 1;
  }
  return [significant(v), unit];
}

function known(value: number | null | undefined): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** A count of things: 950, 12.3k, 4.56M. Integers below 1000 stay exact. */
export function count(value: number | null | undefined): string {
  if (!known(value)) return UNKNOWN;
  if (Math.abs(value) < 1000 && Number.isInteger(value)) return String(value);
  const [number, unit] = scaled(value, 1000);
  return number + SI[unit];
}

/** An exact integer with thousands separators, for offsets and ids. */
export function exact(value: number | null | undefined): string {
  if (!known(value)) return UNKNOWN;
  return value.toLocaleString("en-US", { maximumFractionDigits: 0 });
}

/** Messages per second: "1.2k msg/s". */
export function messageRate(value: number | null | undefined): string {
  return known(value) ? `${count(value)} msg/s` : UNKNOWN;
}

/** Bytes in SI units: "512 B", "3.4 MB". */
export function bytes(value: number | null | undefined): string {
  if (!known(value)) return UNKNOWN;
  if (Math.abs(value) < 1000) return `${Math.round(value)} B`;
  const [number, unit] = scaled(value, 1000);
  return `${number} ${SI[unit]}B`;
}

export function byteRate(value: number | null | undefined): string {
  return known(value) ? `${bytes(value)}/s` : UNKNOWN;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** A length of time: "0s", "350ms", "4.5s", "42s", "2m 05s", "3h 07m", "2d 04h". */
export function duration(seconds: number | null | undefined): string {
  if (!known(seconds)) return UNKNOWN;
  const sign = seconds < 0 ? "-" : "";
  const s = Math.abs(seconds);
  if (s > 0 && s < 1) return `${sign}${Math.round(s * 1000)}ms`;
  if (s < 10) return `${sign}${Number(s.toFixed(1))}s`;
  const whole = Math.round(s);
  if (whole < 60) return `${sign}${whole}s`;
  if (whole < 3600) return `${sign}${Math.floor(whole / 60)}m ${pad(whole % 60)}s`;
  if (whole < 86400) return `${sign}${Math.floor(whole / 3600)}h ${pad(Math.floor((whole % 3600) / 60))}m`;
  return `${sign}${Math.floor(whole / 86400)}d ${pad(Math.floor((whole % 86400) / 3600))}h`;
}

/** How long ago a Unix-millisecond instant was: "12s ago". */
export function ago(ms: number | null | undefined, now = Date.now()): string {
  if (!known(ms)) return UNKNOWN;
  return `${duration(Math.max(0, (now - ms) / 1000))} ago`;
}

/** A share from 0 to 1 as a percentage: "75%". */
export function percent(share: number | null | undefined): string {
  return known(share) ? `${Math.round(share * 100)}%` : UNKNOWN;
}

/** A signed percentage: "+25%", "-10%", "0%". */
export function signedPercent(share: number | null | undefined): string {
  if (!known(share)) return UNKNOWN;
  const rounded = Math.round(share * 100);
  return `${rounded > 0 ? "+" : ""}${rounded}%`;
}

/** A wall-clock time for axes and "updated at": "14:05:09". */
export function clock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** A day of the year in local time: "23 Nov". */
export function dayMonth(ms: number): string {
  const d = new Date(ms);
  return `${d.getDate()} ${MONTHS[d.getMonth()]}`;
}
