import { z } from 'zod';
import { StrataError } from '../core/errors';
import type { Tier } from '../contract/tiers';

// The tier names belong to the contract (the screens show them); re-exported for engine code.
export { TIERS, tierSchema, type Tier } from '../contract/tiers';

/** Taken before a risky change; retention never removes them. */
export const PINNED_TIERS = ['pre-migration', 'pre-restore'] as const satisfies readonly Tier[];
/** Taken by the app on its own; max age and the free-disk guard apply only to these. */
export const AUTOMATIC_TIERS = ['startup', 'auto', 'hourly', 'daily', 'weekly'] as const satisfies readonly Tier[];
export type AutomaticTier = (typeof AUTOMATIC_TIERS)[number];

export function isPinnedTier(tier: string): boolean {
  return (PINNED_TIERS as readonly string[]).includes(tier);
}
export function isAutomaticTier(tier: string): tier is AutomaticTier {
  return (AUTOMATIC_TIERS as readonly string[]).includes(tier);
}

/** Settings key under which the config is stored (settings repository). */
export const BACKUP_CONFIG_KEY = 'backup.config';

const GiB = 1024 ** 3;
const count = (fallback: number) => z.number().int().min(0).max(100_000).default(fallback);
const flag = z.boolean().default(true);

// `prefault` parses the fallback through the schema, so a partial object merges over the defaults.
export const backupConfigSchema = z.object({
  enabled: z.boolean().default(true),
  autoIntervalMinutes: z.number().int().min(1).max(1440).default(15),
  tiers: z.object({ startup: flag, auto: flag, hourly: flag, daily: flag, weekly: flag }).prefault({}),
  /** Day of the weekly snapshot: 0 = Sunday ... 6 = Saturday, local time. */
  weeklyDay: z.number().int().min(0).max(6).default(0),
  /** Days between automatic restore drills; 0 turns them off. */
  drillIntervalDays: z.number().int().min(0).max(365).default(7),
  /**
   * Every kept snapshot is read back in full (checksum, gunzip, integrity_check, counts) at least
   * once in this many days, a share each day; 0 turns the rolling verify off.
   */
  verifyPeriodDays: z.number().int().min(0).max(3650).default(30),
  retention: z
    .object({
      keep: z
        .object({
          startup: count(5),
          auto: count(10),
          hourly: count(24),
          daily: count(7),
          weekly: count(4),
          manual: count(100),
        })
        .prefault({}),
      /** Applies to automatic tiers only; null means no age limit. */
      maxAgeDays: z.number().int().min(1).max(36_500).nullable().default(30),
      maxTotalBytes: z.number().int().min(0).nullable().default(null),
      minFreeBytes: z.number().int().min(0).default(GiB),
      minFreeRatio: z.number().min(0).max(0.9).default(0.05),
    })
    .prefault({}),
  /** Continuous protection: every commit shipped within a second, restorable to any second. */
  continuous: z
    .object({
      enabled: z.boolean().default(true),
      /** Every commit is kept this long... */
      keepAllHours: z
        .number()
        .int()
        .min(1)
        .max(24 * 30)
        .default(24),
      /** ...then one point per minute for this long; after that the tiered snapshots remain. */
      perMinuteDays: z.number().int().min(0).max(365).default(7),
    })
    .prefault({}),
  retry: z
    .object({
      /** Total tries per scheduled run, the first one included. */
      attempts: z.number().int().min(1).max(20).default(3),
      baseDelayMs: z.number().int().min(0).default(30_000),
      maxDelayMs: z
        .number()
        .int()
        .min(0)
        .default(15 * 60_000),
    })
    .prefault({}),
});

export type BackupConfig = z.infer<typeof backupConfigSchema>;
export type RetentionConfig = BackupConfig['retention'];
export type RetryConfig = BackupConfig['retry'];

/** Validates stored or user input; `undefined`/`null` gives the defaults. Throws StrataError('invalid_config'). */
export function parseBackupConfig(input: unknown): BackupConfig {
  const parsed = backupConfigSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first && first.path.length ? `${first.path.join('.')}: ` : '';
    throw new StrataError('invalid_config', `Invalid backup settings: ${where}${first?.message ?? 'invalid value'}`, {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return parsed.data;
}

export function defaultBackupConfig(): BackupConfig {
  return parseBackupConfig({});
}

/** Deep-merges a partial change over a current config, then validates the result. */
export function mergeBackupConfig(current: BackupConfig, partial: unknown): BackupConfig {
  if (partial === null || typeof partial !== 'object' || Array.isArray(partial)) {
    throw new StrataError('invalid_config', 'Invalid backup settings: expected an object.');
  }
  return parseBackupConfig(deepMerge(current, partial as Record<string, unknown>));
}

function deepMerge(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch === undefined ? base : patch;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) out[k] = deepMerge(base[k], v);
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Cron patterns (local time) for the calendar tiers. */
export function calendarPatterns(config: BackupConfig): { hourly: string; daily: string; weekly: string } {
  return { hourly: '0 * * * *', daily: '0 0 * * *', weekly: `0 0 * * ${config.weeklyDay}` };
}
