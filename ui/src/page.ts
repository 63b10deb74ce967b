// What the shell gives a page and what a page gives back.

import type { Route } from "./route";
import type { TimeRange } from "./time_range";

export interface PageContext {
  /** The current URL's view; updated in place when a search box edits it. */
  route: Route;
  cluster: string;
  range: TimeRange;
  /** Rewrites the URL without a history entry and updates the page (typing in a search box). */
  replace(url: string): void;
}

export interface Page {
  title: string;
  element: HTMLElement;
  /** Fetches and redraws the page's figures; called on load and on every refresh. */
  update(signal: AbortSignal): Promise<void>;
  dispose(): void;
}

/** Debounces `run` by `ms`. */
export function debounce<A extends unknown[]>(run: (...args: A) => void, ms: number): (...args: A) => void {
  let timer: number | undefined;
  return (...args: A) => {
    clearTimeout(timer);
    timer = window.setTimeout(() => run(...args), ms);
  };
}
