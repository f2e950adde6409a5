import { assertSqliteVersion } from './sqlite-version';
import fs from 'node:fs';
import path from 'node:path';
import type { SqliteDatabase } from './connection';
import { applyConnectionPragmas, makeDatabaseFilesPrivate, openRaw, type OpenOptions } from './connection';
import { assertSchemaNotNewer, migrate, type MigrateOptions, type MigrationResult } from './migrator';
import type { Migration } from './migrations';
import { SessionsRepository } from './repositories/sessions';
import { MessagesRepository } from './repositories/messages';
import { SettingsRepository } from './repositories/settings';
import { FavoriteActionsRepository, PromptsRepository } from './repositories/prompts';
import { ExtensionDataRepository } from './repositories/extension-data';
import { MetadataRepository } from './repositories/metadata';

export interface OpenStrataOptions extends OpenOptions {
  file: string;
  appVersion: string;
  now?: () => number;
  migrations?: readonly Migration[];
  /** Pinned copy of the old data before the first pending migration step. */
  beforeMigrate?: MigrateOptions['beforeMigrate'];
  /** Leave an older schema as it is (for `db info` on a file that has not been migrated yet). */
  skipMigrations?: boolean;
}

/**
 * The one owner of the live connection. Everything that reads or writes rows goes through
 * its repositories, so SQL stays inside src-main/db.
 */
export class StrataDatabase {
  readonly sessions: SessionsRepository;
  readonly messages: MessagesRepository;
  readonly settings: SettingsRepository;
  readonly prompts: PromptsRepository;
  readonly favoriteActions: FavoriteActionsRepository;
  readonly extensionData: ExtensionDataRepository;
  readonly metadata: MetadataRepository;
  private closed = false;

  private constructor(
    readonly connection: SqliteDatabase,
    readonly file: string,
    readonly lastMigration: MigrationResult,
    readonly now: () => number,
  ) {
    this.sessions = new SessionsRepository(connection, now);
    this.messages = new MessagesRepository(connection, now);
    this.settings = new SettingsRepository(connection, now);
    this.prompts = new PromptsRepository(connection, now);
    this.favoriteActions = new FavoriteActionsRepository(connection, now);
    this.extensionData = new ExtensionDataRepository(connection, now);
    this.metadata = new MetadataRepository(connection, now);
  }

  static async open(opts: OpenStrataOptions): Promise<StrataDatabase> {
    const now = opts.now ?? Date.now;
    const existed = fs.existsSync(opts.file) && fs.statSync(opts.file).size > 0;
    if (!existed) fs.mkdirSync(path.dirname(opts.file), { recursive: true });
    // Owner-only before any connection, read-only probe included, can create a -shm beside it.
    if (!opts.readonly) makeDatabaseFilesPrivate(opts.file);
    const probed = existed && probeSchemaReadOnly(opts.file, opts);
    const db = openRaw(opts.file, opts);
    try {
      // Only when the read-only probe could not run (a WAL left by a crash needs recovery).
      if (existed && !probed) assertSchemaNotNewer(db, opts.migrations);
      assertSqliteVersion(db);
      applyConnectionPragmas(db, opts.busyTimeoutMs);
      const result = opts.skipMigrations
        ? { from: 0, to: 0, applied: [] }
        : await migrate(db, {
            appVersion: opts.appVersion,
            now,
            ...(opts.migrations ? { migrations: opts.migrations } : {}),
            ...(opts.beforeMigrate ? { beforeMigrate: opts.beforeMigrate } : {}),
          });
      return new StrataDatabase(db, opts.file, result, now);
    } catch (e) {
      db.close();
      throw e;
    }
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Folds the WAL back into the main file so the data folder is one self-contained file. */
  checkpoint(): void {
    this.connection.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** A cheap signature that changes whenever any committed write happened (for "skip if unchanged"). */
  changeSignature(): string {
    const dataVersion = this.connection.pragma('data_version', { simple: true }) as number;
    const totals = this.connection.prepare(`SELECT total_changes() AS t`).get() as { t: number };
    return `${dataVersion}:${totals.t}`;
  }

  tableCounts(): Record<string, number> {
    return tableCounts(this.connection);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // No checkpoint here: the continuous shipper owns them, and SQLite itself folds the WAL in
    // when the last connection of all closes.
    this.connection.close();
  }
}

/**
 * Refuses a newer schema through a read-only connection: closing a read-write one would
 * checkpoint the newer app's WAL into the file, changing what we promised not to touch.
 * Returns false when a read-only connection cannot read the file: after a crash the WAL index
 * must be rebuilt, which takes a writer.
 */
function probeSchemaReadOnly(file: string, opts: OpenStrataOptions): boolean {
  let probe: SqliteDatabase | null = null;
  try {
    probe = openRaw(file, { ...opts, readonly: true });
    assertSchemaNotNewer(probe, opts.migrations);
    return true;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN'))) {
      return false;
    }
    throw e;
  } finally {
    probe?.close();
  }
}

/** Rows per user table, in name order. */
export function tableCounts(db: SqliteDatabase): Record<string, number> {
  const tables = db
    .prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
    .all() as { name: string }[];
  const out: Record<string, number> = {};
  for (const { name } of tables) {
    out[name] = (db.prepare(`SELECT COUNT(*) AS n FROM "${name.replace(/"/g, '""')}"`).get() as { n: number }).n;
  }
  return out;
}
