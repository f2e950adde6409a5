import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openConnection, openRaw } from '../../src-main/db/connection';
import { MIN_BETTER_SQLITE3, MIN_SQLITE, assertSqliteVersion, versionAtLeast } from '../../src-main/db/sqlite-version';
import { tempDir } from '../helpers/temp-dir';

describe('Strata owns checkpoints', () => {
  it('never checkpoints on its own, however large the WAL grows', () => {
    const file = path.join(tempDir('strata-ckpt-'), 'a.db');
    const db = openConnection(file);
    try {
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
      db.exec('CREATE TABLE t (x BLOB)');
      const insert = db.prepare('INSERT INTO t VALUES (randomblob(3000))');
      // Well past SQLite's default of 1,000 frames.
      for (let i = 0; i < 1500; i++) insert.run();
      const fileBytes = fs.statSync(file).size;
      expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(1500 * 3000);
      // Nothing was folded into the database file: it still holds only what the first commit made.
      expect(fileBytes).toBeLessThan(64 * 1024);
      const readonly = openRaw(file, { readonly: true });
      expect(readonly.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
      readonly.close();
    } finally {
      db.close();
    }
  });

  it('requires better-sqlite3 12.8.0 with SQLite 3.51.3 or later, and this build has it', () => {
    expect(MIN_BETTER_SQLITE3).toBe('12.8.0');
    expect(versionAtLeast('12.8.0', '12.8.0')).toBe(true);
    expect(versionAtLeast('12.11.1', '12.8.0')).toBe(true);
    expect(versionAtLeast('12.7.9', '12.8.0')).toBe(false);
    expect(versionAtLeast('3.51.2', MIN_SQLITE)).toBe(false);
    expect(versionAtLeast('3.53.0', MIN_SQLITE)).toBe(true);
    const db = openRaw(':memory:');
    try {
      expect(() => assertSqliteVersion(db)).not.toThrow();
    } finally {
      db.close();
    }
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(pkg.dependencies['better-sqlite3']).toBe(`^${MIN_BETTER_SQLITE3}`);
  });
});
