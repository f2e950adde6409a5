import { createRequire } from 'node:module';
import path from 'node:path';
import { StrataError } from '../core/errors';
import type { SqliteDatabase } from './connection';

/**
 * better-sqlite3 12.8.0 bundles SQLite 3.51.3, the first release with the fix for a WAL-reset
 * bug that could corrupt a database when a checkpoint and a writer restart the WAL at the same
 * moment. Continuous protection restarts the WAL all day, so an older library is refused.
 */
export const MIN_BETTER_SQLITE3 = '12.8.0';
export const MIN_SQLITE = '3.51.3';

function parts(version: string): number[] {
  return version.split('.').map((p) => Number.parseInt(p, 10) || 0);
}

export function versionAtLeast(version: string, minimum: string): boolean {
  const a = parts(version);
  const b = parts(minimum);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

let checked = false;

/** Throws `sqlite_too_old` unless both the binding and the SQLite it runs are new enough. */
export function assertSqliteVersion(db: SqliteDatabase): void {
  if (checked) return;
  const sqlite = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  let binding = 'unknown';
  try {
    binding = (
      createRequire(typeof __filename === 'string' ? __filename : path.join(process.cwd(), 'index.js'))(
        'better-sqlite3/package.json',
      ) as { version: string }
    ).version;
  } catch {
    // a bundled build without the package file: the SQLite version alone decides
  }
  if (!versionAtLeast(sqlite, MIN_SQLITE) || (binding !== 'unknown' && !versionAtLeast(binding, MIN_BETTER_SQLITE3))) {
    throw new StrataError(
      'sqlite_too_old',
      `Strata needs better-sqlite3 ${MIN_BETTER_SQLITE3} or later (SQLite ${MIN_SQLITE}); this build has better-sqlite3 ${binding} with SQLite ${sqlite}.`,
    );
  }
  checked = true;
}
