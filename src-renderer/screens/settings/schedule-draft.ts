import type { BackupConfig } from '../../api/types';

/** The schedule form's editable copy of the backup configuration, and how it follows the saved one. */

export const GIB = 1024 ** 3;
export const MIB = 1024 ** 2;

export const KEEP_TIERS = ['auto', 'hourly', 'daily', 'weekly', 'startup', 'manual'] as const;
export type KeepTier = (typeof KEEP_TIERS)[number];

/** The form holds text so people can type freely; it is checked and converted on save. */
export interface Draft {
  enabled: boolean;
  autoIntervalMinutes: string;
  weeklyDay: number;
  drillIntervalDays: string;
  tiers: BackupConfig['tiers'];
  keep: Record<KeepTier, string>;
  maxAgeDays: string;
  maxTotalGiB: string;
  minFreeMiB: string;
  minFreePercent: string;
}

export function toDraft(c: BackupConfig): Draft {
  const r = c.retention;
  return {
    enabled: c.enabled,
    autoIntervalMinutes: String(c.autoIntervalMinutes),
    weeklyDay: c.weeklyDay,
    drillIntervalDays: String(c.drillIntervalDays),
    tiers: { ...c.tiers },
    keep: Object.fromEntries(KEEP_TIERS.map((t) => [t, String(r.keep[t])])) as Record<KeepTier, string>,
    maxAgeDays: r.maxAgeDays === null ? '' : String(r.maxAgeDays),
    maxTotalGiB: r.maxTotalBytes === null ? '' : String(+(r.maxTotalBytes / GIB).toFixed(2)),
    minFreeMiB: String(Math.round(r.minFreeBytes / MIB)),
    minFreePercent: String(+(r.minFreeRatio * 100).toFixed(1)),
  };
}

/** Three-way merge: fields equal to the old saved value take the new saved one; edited fields stay. */
export function mergeDraft(base: Draft, current: Draft, next: Draft): Draft {
  const pick = <T>(b: T, c: T, n: T): T => (JSON.stringify(b) === JSON.stringify(c) ? n : c);
  const out = { ...next } as Record<string, unknown>;
  for (const k of Object.keys(next) as (keyof Draft)[]) {
    if (k === 'tiers' || k === 'keep') continue;
    out[k] = pick(base[k], current[k], next[k]);
  }
  out.tiers = Object.fromEntries(
    Object.keys(next.tiers).map((t) => {
      const key = t as keyof Draft['tiers'];
      return [key, pick(base.tiers[key], current.tiers[key], next.tiers[key])];
    }),
  );
  out.keep = Object.fromEntries(KEEP_TIERS.map((t) => [t, pick(base.keep[t], current.keep[t], next.keep[t])]));
  return out as unknown as Draft;
}
