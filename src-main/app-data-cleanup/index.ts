import { z } from 'zod';
import { StrataError } from '../core/errors';
import type { StrataDatabase } from '../db/strata-database';
import {
  autoVacuumMode,
  countOlderThan,
  deleteOlderThanBatch,
  freelistPages,
  incrementalVacuumStep,
  pageSize,
  type CleanupTable,
} from '../db/repositories/app-data-cleanup';

/**
 * Settings key holding the app-data cleanup policy, e.g. `{ "logsDays": 7, "analyticsDays": 90 }`.
 * A value of 0 keeps that kind of data forever. Sessions and messages are never deleted
 * automatically, whatever this says. (The key keeps its original name: settings files carry it.)
 */
export const CLEANUP_SETTING_KEY = 'appData.retention';

export const DEFAULT_CLEANUP_POLICY = { logsDays: 7, analyticsDays: 90 } as const;

const DAY_MS = 86_400_000;
const policySchema = z.strictObject({
  logsDays: z.number().int().min(0).max(36_500).optional(),
  analyticsDays: z.number().int().min(0).max(36_500).optional(),
});

export interface CleanupPolicy {
  logsDays: number;
  analyticsDays: number;
}

/** The policy from settings; an invalid setting falls back to the defaults (and says so). */
export function readCleanupPolicy(db: StrataDatabase): { policy: CleanupPolicy; warning: string | null } {
  const raw = db.settings.get(CLEANUP_SETTING_KEY)?.value;
  if (raw === undefined) return { policy: { ...DEFAULT_CLEANUP_POLICY }, warning: null };
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) {
    return {
      policy: { ...DEFAULT_CLEANUP_POLICY },
      warning: `The setting ${CLEANUP_SETTING_KEY} is invalid (${parsed.error.issues[0]?.message}); using the defaults.`,
    };
  }
  return {
    policy: {
      logsDays: parsed.data.logsDays ?? DEFAULT_CLEANUP_POLICY.logsDays,
      analyticsDays: parsed.data.analyticsDays ?? DEFAULT_CLEANUP_POLICY.analyticsDays,
    },
    warning: null,
  };
}

export interface TableCleanup {
  table: CleanupTable;
  keepDays: number;
  /** Rows older than this (ms) are deleted; null when kept forever. */
  cutoff: number | null;
  eligible: number;
  deleted: number;
}

export interface CleanupResult {
  dryRun: boolean;
  ranAt: number;
  policy: CleanupPolicy;
  warning: string | null;
  tables: TableCleanup[];
  vacuum: {
    mode: 'incremental' | 'unavailable';
    freePagesBefore: number;
    freePagesAfter: number;
    bytesReclaimed: number;
    steps: number;
  };
}

export interface RunCleanupOptions {
  now?: number;
  dryRun?: boolean;
  /** Rows per delete transaction (short transactions keep the app's writes flowing). */
  batchRows?: number;
  /** Pages returned to the file system per incremental_vacuum step. */
  vacuumStepPages?: number;
  /**
   * Checked before every batch: when aborted (a restore is about to close the database, the app is
   * quitting) the run stops between two committed batches and throws `interrupted`.
   */
  signal?: AbortSignal;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Deletes app logs and analytics events older than the policy allows, in small transactions,
 * then gives the freed pages back with PRAGMA incremental_vacuum in small steps, yielding to
 * the event loop between steps (never a blocking full VACUUM).
 */
export async function runAppDataCleanup(db: StrataDatabase, opts: RunCleanupOptions = {}): Promise<CleanupResult> {
  const now = opts.now ?? Date.now();
  const dryRun = opts.dryRun ?? false;
  const batch = Math.max(1, opts.batchRows ?? 2000);
  // Each batch is one synchronous transaction, so checking here is enough: the database cannot be
  // closed in the middle of one.
  const checkpoint = () => {
    if (opts.signal?.aborted || !db.isOpen) {
      throw new StrataError('interrupted', 'App-data cleanup stopped early; it continues on its next run.');
    }
  };
  checkpoint();
  const { policy, warning } = readCleanupPolicy(db);
  const conn = db.connection;
  const specs: [CleanupTable, number][] = [
    ['app_logs', policy.logsDays],
    ['analytics_events', policy.analyticsDays],
  ];
  const tables: TableCleanup[] = [];
  for (const [table, keepDays] of specs) {
    const cutoff = keepDays > 0 ? now - keepDays * DAY_MS : null;
    const eligible = cutoff === null ? 0 : countOlderThan(conn, table, cutoff);
    let deleted = 0;
    if (!dryRun && cutoff !== null && eligible > 0) {
      for (;;) {
        checkpoint();
        const n = conn.transaction(() => deleteOlderThanBatch(conn, table, cutoff, batch)).immediate();
        deleted += n;
        if (n < batch) break;
        await yieldToLoop();
      }
    }
    tables.push({ table, keepDays, cutoff, eligible, deleted });
  }

  checkpoint();
  const incremental = autoVacuumMode(conn) === 2;
  const freeBefore = freelistPages(conn);
  let steps = 0;
  if (!dryRun && incremental) {
    const step = Math.max(1, opts.vacuumStepPages ?? 256);
    let free = freeBefore;
    while (free > 0) {
      checkpoint();
      incrementalVacuumStep(conn, step);
      steps++;
      const after = freelistPages(conn);
      if (after >= free) break; // nothing more can be returned now (a reader holds pages)
      free = after;
      await yieldToLoop();
    }
  }
  checkpoint();
  const freeAfter = dryRun ? freeBefore : freelistPages(conn);
  return {
    dryRun,
    ranAt: now,
    policy,
    warning,
    tables,
    vacuum: {
      mode: incremental ? 'incremental' : 'unavailable',
      freePagesBefore: freeBefore,
      freePagesAfter: freeAfter,
      bytesReclaimed: incremental ? (freeBefore - freeAfter) * pageSize(conn) : 0,
      steps,
    },
  };
}
