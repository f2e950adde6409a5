import type { Tier } from './api/types';

const UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB'];

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return 'unknown';
  if (n < 1024) return `${n} ${n === 1 ? 'byte' : 'bytes'}`;
  let v = n;
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${UNITS[i]}`;
}

function toDate(t: string | number | null | undefined): Date | null {
  if (t === null || t === undefined) return null;
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "23 Nov 2026, 14:05" in the person's locale. */
export function formatTime(t: string | number | null | undefined, never = 'never'): string {
  const d = toDate(t);
  if (!d) return never;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** "5 minutes ago", "in 10 minutes". */
export function formatRelative(t: string | number | null | undefined, now = Date.now(), never = 'never'): string {
  const d = toDate(t);
  if (!d) return never;
  const diff = d.getTime() - now;
  const abs = Math.abs(diff);
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  if (abs < 45_000) return diff < 0 ? 'just now' : 'in a moment';
  if (abs < 3_600_000) return rtf.format(Math.round(diff / 60_000), 'minute');
  if (abs < 86_400_000) return rtf.format(Math.round(diff / 3_600_000), 'hour');
  return rtf.format(Math.round(diff / 86_400_000), 'day');
}

export function formatCount(n: number): string {
  return n.toLocaleString();
}

export const TIER_LABELS: Record<Tier, string> = {
  manual: 'Manual backups',
  startup: 'At start-up',
  auto: 'Every few minutes',
  hourly: 'Hourly',
  daily: 'Daily',
  weekly: 'Weekly',
  'pre-restore': 'Before a restore',
  'pre-migration': 'Before an upgrade',
};

/** The order tiers appear in on screen: what people made first, then the schedule, then safety copies. */
export const TIER_ORDER: Tier[] = [
  'manual',
  'auto',
  'hourly',
  'daily',
  'weekly',
  'startup',
  'pre-restore',
  'pre-migration',
];

const TABLE_LABELS: Record<string, string> = {
  sessions: 'Sessions',
  messages: 'Messages',
  settings: 'Settings',
  custom_prompts: 'Custom prompts',
  favorite_actions: 'Favourite actions',
  analytics_events: 'Analytics events',
  app_logs: 'App logs',
  extension_data: 'Extension data',
};

export function tableLabel(name: string): string {
  return TABLE_LABELS[name] ?? name.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

export function plural(n: number, one: string, many = one + 's'): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** The tables people care about first; others follow alphabetically. */
const FIRST_TABLES = ['sessions', 'messages', 'settings', 'custom_prompts', 'favorite_actions'];
/** Bookkeeping tables mean nothing to people and always match. */
const HIDDEN_TABLES = new Set(['database_metadata', 'schema_migrations']);

/** The tables worth showing from some count records, in the order people read them. */
export function shownTables(...counts: Record<string, number>[]): string[] {
  return [...new Set(counts.flatMap((c) => Object.keys(c)))]
    .filter((t) => !HIDDEN_TABLES.has(t) && !t.startsWith('sqlite_'))
    .sort((a, b) => {
      const ia = FIRST_TABLES.indexOf(a);
      const ib = FIRST_TABLES.indexOf(b);
      if (ia !== -1 || ib !== -1) return (ia === -1 ? 99 : ia) - (ib === -1 ? 99 : ib);
      return a.localeCompare(b);
    });
}
