// Light or dark: the system's choice unless the person picked one, which is kept
// in localStorage. Applied as the "dark" class on <html> (Tailwind's dark variant).
import { useSyncExternalStore } from "react";

export type ThemeChoice = "light" | "dark" | "system";

const KEY = "gls-theme";
const media = () => window.matchMedia("(prefers-color-scheme: dark)");
const listeners = new Set<() => void>();

export function themeChoice(): ThemeChoice {
  const saved = localStorage.getItem(KEY);
  return saved === "light" || saved === "dark" ? saved : "system";
}

function isDark(): boolean {
  const choice = themeChoice();
  return choice === "dark" || (choice === "system" && media().matches);
}

export function applyTheme(): void {
  document.documentElement.classList.toggle("dark", isDark());
  listeners.forEach((l) => l());
}

export function setThemeChoice(choice: ThemeChoice): void {
  if (choice === "system") localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, choice);
  applyTheme();
}

/** Once, before the first render: the theme now and whenever the system's changes. */
export function startTheme(): void {
  applyTheme();
  media().addEventListener("change", applyTheme);
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Whether the page is dark now; re-renders when that changes (charts redraw in its colours). */
export const useDark = () => useSyncExternalStore(subscribe, isDark);
export const useThemeChoice = () => useSyncExternalStore(subscribe, themeChoice);
