import { z } from 'zod';
import type { Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import { silentLogger } from '../core/logger';
import type { StrataDatabase } from '../db/strata-database';
import {
  autoVacuumMode,
  countOlderThan,
  deleteOlderThanBatch,
  freelistPages,
  incrementalVacuumStep,
  pageSize,
  type RetentionTable,
} from '../db/repositories/app-data-retention';

/**
 * Settings key holding the app-data retention policy, e.g.
 * `{ "logsDays": 7, "analyticsDays": 90 }`. A value of 0 keeps that kind of data forever.
 * Sessions and messages are never deleted automatically, whatever this says.
 */
export const RETENTION_SETTING_KEY = 'appData.retention';
/** Extension-data record where the daily job remembers its last run (survives restarts). */
export const RETENTION_STATE_ID = 'strata.app-retention';

export const DEFAULT_APP_RETENTION = { logsDays: 7, analyticsDays: 90 } as const;

const DAY_MS = 86_400_000;
const policySchema = z.strictObject({
  logsDays: z.number().int().min(0).max(36_500).optional(),
  analyticsDays: z.number().int().min(0).max(36_500).optional(),
});

export interface AppRetentionPolicy {
  logsDays: number;
  analyticsDays: number;
}

/** The policy from settings; an invalid setting falls back to the defaults (and says so). */
export function readRetentionPolicy(db: StrataDatabase): { policy: AppRetentionPolicy; warning: string | null } {
  const raw = db.settings.get(RETENTION_SETTING_KEY)?.value;
  if (raw === undefined) return { policy: { ...DEFAULT_APP_RETENTION }, warning: null };
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) {
    return {
      policy: { ...DEFAULT_APP_RETENTION },
      warning: `The setting ${RETENTION_SETTING_KEY} is invalid (${parsed.error.issues[0]?.message}); using the defaults.`,
    };
  }
  return {
    policy: {
      logsDays: parsed.data.logsDays ?? DEFAULT_APP_RETENTION.logsDays,
      analyticsDays: parsed.data.analyticsDays ?? DEFAULT_APP_RETENTION.analyticsDays,
    },
    warning: null,
  };
}

export interface TableRetention {
  table: RetentionTable;
  keepDays: number;
  /** Rows older than this (ms) are deleted; null when kept forever. */
  cutoff: number | null;
  eligible: number;
  deleted: number;
}

export interface AppRetentionResult {
  dryRun: boolean;
  ranAt: number;
  policy: AppRetentionPolicy;
  warning: string | null;
  tables: TableRetention[];
  vacuum: {
    mode: 'incremental' | 'unavailable';
    freePagesBefore: number;
    freePagesAfter: number;
    bytesReclaimed: number;
    steps: number;
  };
}

export interface RunAppRetentionOptions {
  now?: number;
  dryRun?: boolean;
  /** Rows per delete transaction (short transactions keep the app's writes flowing). */
  batchRows?: number;
  /** Pages returned to the file system per incremental_vacuum step. */
  vacuumStepPages?: number;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Deletes app logs and analytics events older than the policy allows, in small transactions,
 * then gives the freed pages back with PRAGMA incremental_vacuum in small steps, yielding to
 * the event loop between steps (never a blocking full VACUUM).
 */
export async function runAppDataRetention(
  db: StrataDatabase,
  opts: RunAppRetentionOptions = {},
): Promise<AppRetentionResult> {
  const now = opts.now ?? Date.now();
  const dryRun = opts.dryRun ?? false;
  const batch = Math.max(1, opts.batchRows ?? 2000);
  const { policy, warning } = readRetentionPolicy(db);
  const conn = db.connection;
  const specs: [RetentionTable, number][] = [
    ['app_logs', policy.logsDays],
    ['analytics_events', policy.analyticsDays],
  ];
  const tables: TableRetention[] = [];
  for (const [table, keepDays] of specs) {
    const cutoff = keepDays > 0 ? now - keepDays * DAY_MS : null;
    const eligible = cutoff === null ? 0 : countOlderThan(conn, table, cutoff);
    let deleted = 0;
    if (!dryRun && cutoff !== null && eligible > 0) {
      for (;;) {
        const n = conn.transaction(() => deleteOlderThanBatch(conn, table, cutoff, batch)).immediate();
        deleted += n;
        if (n < batch) break;
        await yieldToLoop();
      }
    }
    tables.push({ table, keepDays, cutoff, eligible, deleted });
  }

  const incremental = autoVacuumMode(conn) === 2;
  const freeBefore = freelistPages(conn);
  let steps = 0;
  if (!dryRun && incremental) {
    const step = Math.max(1, opts.vacuumStepPages ?? 256);
    let free = freeBefore;
    while (free > 0) {
      incrementalVacuumStep(conn, step);
      steps++;
      const after = freelistPages(conn);
      if (after >= free) break; // nothing more can be returned now (a reader holds pages)
      free = after;
      await yieldToLoop();
    }
  }
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

export interface AppRetentionJobOptions {
  /** Read through a getter: the app's database object changes after a restore. */
  db: () => StrataDatabase;
  clock: Clock;
  logger?: Logger;
  intervalMs?: number;
  /** First run after start, so startup stays quick (default 10 minutes). */
  initialDelayMs?: number;
  onResult?: (r: AppRetentionResult) => void;
  onError?: (e: unknown) => void;
}

/**
 * Runs app-data retention once a day. The last run time is kept in the database, so a restart
 * does not run it again early and a long sleep gives exactly one catch-up run.
 */
export class AppRetentionJob {
  private timer: { cancel(): void } | null = null;
  private running: Promise<AppRetentionResult | null> | null = null;
  private stopped = true;
  private readonly intervalMs: number;
  private readonly initialDelayMs: number;
  private readonly logger: Logger;

  constructor(private readonly opts: AppRetentionJobOptions) {
    this.intervalMs = opts.intervalMs ?? DAY_MS;
    this.initialDelayMs = opts.initialDelayMs ?? 10 * 60_000;
    this.logger = opts.logger ?? silentLogger;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const now = this.opts.clock.now();
    const last = this.lastRunAt();
    const due = last === null ? now + this.initialDelayMs : Math.max(now + this.initialDelayMs, last + this.intervalMs);
    this.schedule(due - now);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
  }

  /** Resolves when a run in progress (if any) has finished. */
  async whenIdle(): Promise<void> {
    await this.running;
  }

  lastRunAt(): number | null {
    try {
      const rec = this.opts.db().extensionData.get(RETENTION_STATE_ID);
      const at = (rec?.data as { lastRunAt?: unknown } | undefined)?.lastRunAt;
      return typeof at === 'number' ? at : null;
    } catch {
      return null;
    }
  }

  /** Runs now unless a run is in progress (then returns that run's result). */
  runNow(): Promise<AppRetentionResult | null> {
    if (this.running) return this.running;
    const run = (async () => {
      try {
        const db = this.opts.db();
        const result = await runAppDataRetention(db, { now: this.opts.clock.now() });
        db.extensionData.put(RETENTION_STATE_ID, 'app-retention-state', { lastRunAt: result.ranAt });
        this.logger.info('app-data retention ran', {
          deleted: result.tables.map((t) => `${t.table}:${t.deleted}`).join(','),
          bytesReclaimed: result.vacuum.bytesReclaimed,
        });
        this.opts.onResult?.(result);
        return result;
      } catch (e) {
        this.logger.warn('app-data retention failed', { error: (e as Error).message });
        this.opts.onError?.(e);
        return null;
      } finally {
        this.running = null;
      }
    })();
    this.running = run;
    return run;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer?.cancel();
    this.timer = this.opts.clock.setTimeout(
      () => {
        this.timer = null;
        void this.runNow().finally(() => this.schedule(this.intervalMs));
      },
      Math.max(0, delayMs),
    );
  }
}
