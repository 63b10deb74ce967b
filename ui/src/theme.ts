// Light and dark themes: the system's choice unless the user picked one,
// which is remembered in this browser (a preference, not part of a link).

const KEY = "kafkascope.theme";
export type ThemeChoice = "auto" | "light" | "dark";

export function themeChoice(): ThemeChoice {
  const stored = localStorage.getItem(KEY);
  return stored === "light" || stored === "dark" ? stored : "auto";
}

export function applyTheme(choice: ThemeChoice = themeChoice()): void {
  if (choice === "auto") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = choice;
}

/** Auto → light → dark → auto; returns the new choice. */
export function cycleTheme(): ThemeChoice {
  const next: ThemeChoice = { auto: "light", light: "dark", dark: "auto" }[themeChoice()] as ThemeChoice;
  if (next === "auto") localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, next);
  applyTheme(next);
  return next;
}
