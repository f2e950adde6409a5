import type { SqliteDatabase } from '../connection';
import { parseJsonObject, type JsonObject } from './json-column';

export interface DatabaseMetadata {
  schemaVersion: number;
  appVersion: string;
  lastMigrationAt: number | null;
  lastBackupAt: number | null;
  totalSessions: number;
  totalMessages: number;
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
      custom: parseJsonObject(r.custom as string),
      updatedAt: r.updated_at as number,
    };
  }

  recordBackup(at: number): void {
    this.db.prepare(`UPDATE database_metadata SET last_backup_at = ?, updated_at = ? WHERE id = 1`).run(at, this.now());
  }

  setCustom(custom: JsonObject): void {
    this.db
      .prepare(`UPDATE database_metadata SET custom = ?, updated_at = ? WHERE id = 1`)
      .run(JSON.stringify(custom), this.now());
  }
}
