import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '../core/errors';
import type { Logger } from '../core/logger';
import type { DataPaths } from '../core/paths';
import { SnapshotEngine, type SnapshotEngineOptions } from '../snapshots/engine';

/** True when there is no live database to open (no file, or an empty one with no WAL to replay). */
export function isDatabaseMissing(dbFile: string): boolean {
  const size = (file: string) => {
    try {
      return fs.statSync(file).size;
    } catch {
      return -1;
    }
  };
  const main = size(dbFile);
  return main < 0 || (main === 0 && size(`${dbFile}-wal`) <= 0);
}

/**
 * True when the backups folder holds anything that may be a snapshot: a sidecar, a stored file,
 * or an old database a restore set aside. Read from the files themselves, not the listing, so a
 * snapshot whose sidecar is damaged still counts as history.
 */
export function hasSnapshotHistory(backupsDir: string): boolean {
  const names = (dir: string) => {
    try {
      return fs.readdirSync(dir);
    } catch {
      return [];
    }
  };
  // Points in the page store, then snapshots of the earlier gzip format.
  if (names(path.join(backupsDir, 'store', 'manifests')).some((n) => !n.startsWith('.') && n.endsWith('.json')))
    return true;
  return names(path.join(backupsDir, 'snapshots')).some(
    (n) => !n.startsWith('.') && /\.(json|db\.gz|pending\.db)$/.test(n),
  );
}

/**
 * A `-wal` whose database file is gone can never be replayed, but SQLite would apply it to
 * whatever file comes next under that name, and a restore refuses to swap over a WAL. It is
 * renamed aside (kept: it may be someone's evidence), and the shared-memory index, which holds
 * no data, is removed. Only the lock holder may do this.
 */
export function setAsideOrphanedWal(dbFile: string, now: number, logger: Logger): void {
  const wal = `${dbFile}-wal`;
  if (fs.existsSync(wal)) {
    const aside = `${wal}.orphaned-${new Date(now).toISOString().replace(/[:.]/g, '')}`;
    fs.renameSync(wal, aside);
    logger.warn('a write-ahead log without its database was set aside', { file: path.basename(aside) });
  }
  fs.rmSync(`${dbFile}-shm`, { force: true });
}

export function databaseMissingError(paths: DataPaths): StrataError {
  return new StrataError(
    'database_missing',
    `The database ${path.basename(paths.database)} is missing from ${paths.root}, but that folder has snapshots of it. ` +
      'Strata will not start over with an empty database over your history. ' +
      'Run `strata restore <id>` (see `strata list` for the ids) to bring it back, or use Restore in the app.',
  );
}

/**
 * The engine, refusing new snapshots of the live database while it is missing: snapshotting the
 * file would create an empty database over the history. Restores, and the snapshots a restore
 * takes internally, are not affected.
 */
export class GuardedSnapshotEngine extends SnapshotEngine {
  constructor(
    private readonly refusal: () => StrataError | null,
    opts: SnapshotEngineOptions,
  ) {
    super(opts);
  }

  override create(opts: Parameters<SnapshotEngine['create']>[0]): ReturnType<SnapshotEngine['create']> {
    const why = this.refusal();
    return why ? Promise.reject(why) : super.create(opts);
  }
}
