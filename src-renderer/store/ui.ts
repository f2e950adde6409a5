import { create } from 'zustand';
import { readableError, type ReadableError } from '../api/errors';

export type Screen = 'sessions' | 'backups' | 'restore' | 'settings';
export type ThemeChoice = 'system' | 'light' | 'dark';

export interface Toast {
  id: number;
  kind: 'ok' | 'warn' | 'error';
  text: string;
}

interface UiState {
  screen: Screen;
  theme: ThemeChoice;
  toasts: Toast[];
  setScreen(screen: Screen): void;
  setTheme(theme: ThemeChoice): void;
  notify(kind: Toast['kind'], text: string): void;
  dismiss(id: number): void;
}

const THEME_KEY = 'strata.theme';

function storedTheme(): ThemeChoice {
  try {
    const t = localStorage.getItem(THEME_KEY);
    return t === 'light' || t === 'dark' ? t : 'system';
  } catch {
    return 'system';
  }
}

export function applyTheme(theme: ThemeChoice): void {
  if (theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}

const SCREENS: Screen[] = ['sessions', 'backups', 'restore', 'settings'];

/** Screens are addressed as #/name, so reloads and the back button keep the place. */
export function screenFromHash(hash: string): Screen {
  const name = hash.replace(/^#\/?/, '');
  return (SCREENS as string[]).includes(name) ? (name as Screen) : 'sessions';
}

let nextToast = 1;

export const useUi = create<UiState>()((set) => ({
  screen: screenFromHash(window.location.hash),
  theme: storedTheme(),
  toasts: [],
  setScreen(screen) {
    if (screenFromHash(window.location.hash) !== screen) window.location.hash = `#/${screen}`;
    set({ screen });
  },
  setTheme(theme) {
    try {
      localStorage.setItem(THEME_KEY, theme);
    } catch {
      // storage may be unavailable; the choice still holds for this window
    }
    applyTheme(theme);
    set({ theme });
  },
  notify(kind, text) {
    const id = nextToast++;
    // The same message again replaces the old one instead of stacking a copy under it.
    set((s) => ({ toasts: [...s.toasts.filter((t) => t.text !== text).slice(-3), { id, kind, text }] }));
    setTimeout(() => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })), kind === 'ok' ? 5_000 : 10_000);
  },
  dismiss: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
}));

export type { ReadableError };
export { readableError };

let opCounter = 0;
/** Picked by the screen so progress events can be tied to the button that started the work. */
export function newOperationId(kind: string): string {
  opCounter += 1;
  return `ui-${kind}-${Date.now().toString(36)}-${opCounter}`;
}
