import type { SqliteDatabase } from '../connection';
import { parseJsonObject, type JsonObject } from './json-column';

const JOB_RUNS_KEY = 'jobRuns';

export interface DatabaseMetadata {
  schemaVersion: number;
  appVersion: string;
  lastMigrationAt: number | null;
  lastBackupAt: number | null;
  totalSessions: number;
  totalMessages: number;
  /** Advanced by every write to a user table (schema 2 on); null on an older file. */
  changeCount: number | null;
  custom: JsonObject;
  updatedAt: number;
}

export class MetadataRepository {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
  ) {}

  get(): DatabaseMetadata {
    const r = this.db.prepare(`SELECT * FROM database_metadata WHERE id = 1`).get() as Record<string, unknown>;
    return {
      schemaVersion: r.schema_version as number,
      appVersion: r.app_version as string,
      lastMigrationAt: (r.last_migration_at as number | null) ?? null,
      lastBackupAt: (r.last_backup_at as number | null) ?? null,
      totalSessions: r.total_sessions as number,
      totalMessages: r.total_messages as number,
      changeCount: typeof r.change_count === 'number' ? r.change_count : null,
      custom: parseJsonObject(r.custom as string),
      updatedAt: r.updated_at as number,
    };
  }

  recordBackup(at: number): void {
    this.db.prepare(`UPDATE database_metadata SET last_backup_at = ?, updated_at = ? WHERE id = 1`).run(at, this.now());
  }

  /**
   * When each background job (app-data cleanup, restore drill, rolling verify) last succeeded.
   * Kept here, in the bookkeeping row that no change trigger watches, so recording a run never
   * makes the data look changed, and a restart catches a daily job up once instead of again.
   */
  jobRuns(): Record<string, number> {
    const raw = this.get().custom[JOB_RUNS_KEY];
    const out: Record<string, number> = {};
    if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
      for (const [k, v] of Object.entries(raw)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
    }
    return out;
  }

  recordJobRun(job: string, at: number): void {
    this.db
      .transaction(() => {
        const custom = this.get().custom;
        const runs = { ...this.jobRuns(), [job]: at };
        this.setCustom({ ...custom, [JOB_RUNS_KEY]: runs });
      })
      .immediate();
  }

  setCustom(custom: JsonObject): void {
    this.db
      .prepare(`UPDATE database_metadata SET custom = ?, updated_at = ? WHERE id = 1`)
      .run(JSON.stringify(custom), this.now());
  }
}
