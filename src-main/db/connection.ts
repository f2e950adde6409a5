import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StrataError } from '../core/errors';
import { ensurePrivateFile, makeFilePrivate } from '../core/private-files';

export type SqliteDatabase = Database.Database;

export interface OpenOptions {
  readonly?: boolean;
  /** Refuse to create the file (read-only connections never create one). */
  fileMustExist?: boolean;
  /** Path to a better_sqlite3.node built for the running runtime (Electron needs its own ABI). */
  nativeBinding?: string;
  busyTimeoutMs?: number;
}

/** Resolved once: the Electron build sets STRATA_SQLITE_BINDING, plain Node uses the default. */
export function defaultNativeBinding(): string | undefined {
  const fromEnv = process.env.STRATA_SQLITE_BINDING;
  return fromEnv && fs.existsSync(fromEnv) ? fromEnv : undefined;
}

/**
 * SQLite creates a new database file 0644, and its -wal and -shm with the main file's mode, so
 * an owner-only main file made before SQLite opens it keeps all three private. Files from
 * before are tightened. In-memory and temporary databases have no file.
 */
export function makeDatabaseFilesPrivate(file: string): void {
  if (file === '' || file === ':memory:' || file.startsWith('file:')) return;
  ensurePrivateFile(file);
  for (const suffix of ['-wal', '-shm', '-journal']) makeFilePrivate(file + suffix);
}

/** Opens a file without changing its content, for inspection or a schema version check. */
export function openRaw(file: string, opts: OpenOptions = {}): SqliteDatabase {
  if (!opts.readonly) makeDatabaseFilesPrivate(file);
  const nativeBinding = opts.nativeBinding ?? defaultNativeBinding();
  const db = new Database(file, {
    readonly: opts.readonly ?? false,
    fileMustExist: opts.fileMustExist ?? opts.readonly ?? false,
    ...(nativeBinding ? { nativeBinding } : {}),
  });
  ownCheckpoints(db);
  return db;
}

/**
 * Continuous protection copies every WAL frame out before it is checkpointed away, so no Strata
 * connection may checkpoint on its own: only the shipper does, after it has copied the frames.
 * A WAL that a checkpoint emptied is cut back to 4 MiB the next time SQLite restarts it.
 */
function ownCheckpoints(db: SqliteDatabase): void {
  db.pragma('wal_autocheckpoint = 0');
  db.pragma(`journal_size_limit = ${4 * 1024 * 1024}`);
}

/**
 * The pragmas every read-write connection to the live database uses.
 * synchronous=FULL: in WAL mode NORMAL can lose the last commits on power loss, and a chat
 * message someone saw saved must stay saved.
 */
export function applyConnectionPragmas(db: SqliteDatabase, busyTimeoutMs = 5000): void {
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  db.pragma('foreign_keys = ON');
  if (!db.readonly) {
    const pageCount = db.pragma('page_count', { simple: true }) as number;
    if (pageCount === 0) {
      // Only settable before the first table exists; lets retention reclaim space in steps.
      db.pragma('auto_vacuum = INCREMENTAL');
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
  }
}

export function openConnection(file: string, opts: OpenOptions = {}): SqliteDatabase {
  if (!opts.readonly) fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = openRaw(file, opts);
  applyConnectionPragmas(db, opts.busyTimeoutMs);
  return db;
}

/**
 * Fails with `database_busy` if any other connection, in any process, has the file open. In WAL
 * mode every open connection keeps a shared lock on the file, so an exclusive lock is only
 * granted when nobody else is attached. Used right before a restore replaces the file: a
 * program still attached to the old file would go on committing into it, unseen and then lost.
 */
export function assertNoOtherConnections(file: string, opts: OpenOptions = {}): void {
  if (!fs.existsSync(file)) return;
  const probe = openRaw(file, opts);
  try {
    probe.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 1000}`);
    probe.pragma('locking_mode = EXCLUSIVE');
    probe.exec('BEGIN EXCLUSIVE');
    probe.exec('COMMIT');
  } catch (e) {
    if ((e as { code?: string }).code === 'SQLITE_BUSY') {
      throw new StrataError(
        'database_busy',
        'Another program has the Strata database open, so nothing was restored. Close it and try again.',
      );
    }
    throw e;
  } finally {
    probe.close();
  }
}
