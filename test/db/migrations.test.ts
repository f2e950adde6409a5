import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StrataDatabase, generateDemoData } from '../../src-main/db';
import { MIGRATIONS, type Migration } from '../../src-main/db/migrations';
import { initialSchema } from '../../src-main/db/migrations/001-initial-schema';
import { changeCounter, changeCounterTriggerNames } from '../../src-main/db/migrations/002-change-counter';
import { expectSchema } from '../../src-main/db/migrations/schema-checks';
import { StrataApp } from '../../src-main/app/strata-app';
import { runCli } from '../../src-main/cli/main';
import { dataPaths } from '../../src-main/core/paths';
import { StrataError } from '../../src-main/core/errors';
import { tempDir } from '../helpers/temp-dir';
import {
  TEST_APP_VERSION,
  chatContentHash,
  countRows,
  dumpDatabase,
  integrityCheck,
  openReadonly,
  openTestDb,
  sha256File,
  steppingClock,
} from '../helpers/db-dump';

/**
 * StrataApp takes no migrations list, so to see what a future release does to today's data the
 * app-level test appends a next step to the (otherwise untouched) built-in list. Every other test
 * here passes its list explicitly.
 */
vi.mock('../../src-main/db/migrations/index', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src-main/db/migrations/index')>();
  return { ...original, MIGRATIONS: [...original.MIGRATIONS] };
});
const builtInMigrations = MIGRATIONS as Migration[];
const BUILT_IN_COUNT = builtInMigrations.length;
const CURRENT = builtInMigrations[BUILT_IN_COUNT - 1]!.version;
afterEach(() => {
  builtInMigrations.splice(BUILT_IN_COUNT);
});

const V1: readonly Migration[] = [initialSchema];

/** A realistic v2: a folders table, a new sessions column, and a backfill. */
const addFolders: Migration = {
  version: 2,
  name: 'session-folders',
  up(db) {
    db.exec(`
      CREATE TABLE folders (id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL);
      ALTER TABLE sessions ADD COLUMN folder_id TEXT REFERENCES folders(id);
      INSERT INTO folders (id, name) VALUES ('inbox', 'Inbox');
      UPDATE sessions SET folder_id = 'inbox';
    `);
  },
  verify(db) {
    return expectSchema(db, { tables: { folders: ['id', 'name'], sessions: ['folder_id'] } });
  },
};

/** Does real damage (new table, rewritten rows, new column, dropped index) and then throws. */
const throwsMidway: Migration = {
  version: 2,
  name: 'breaks-halfway',
  up(db) {
    db.exec(`CREATE TABLE half_done (id INTEGER PRIMARY KEY, note TEXT)`);
    db.exec(`INSERT INTO half_done (note) VALUES ('should vanish')`);
    db.exec(`UPDATE sessions SET title = 'CLOBBERED'`);
    db.exec(`DELETE FROM messages WHERE sequence > 2`);
    db.exec(`ALTER TABLE messages ADD COLUMN extra TEXT`);
    db.exec(`DROP INDEX idx_sessions_updated_at`);
    throw new Error('disk gremlin at step 2');
  },
  verify: () => [],
};

/** Builds something, but not what it promised. */
const failsVerify: Migration = {
  version: 2,
  name: 'wrong-shape',
  up(db) {
    db.exec(`CREATE TABLE tags (id TEXT PRIMARY KEY NOT NULL)`);
    db.exec(`UPDATE settings SET value = '"changed"'`);
  },
  verify(db) {
    return expectSchema(db, { tables: { tags: ['id', 'label'] } });
  },
};

/** A v1 database with sessions, messages and settings, closed cleanly. */
async function v1DatabaseWithData(dir: string, sessions = 4, perSession = 12): Promise<string> {
  const file = path.join(dir, 'strata.db');
  const db = await StrataDatabase.open({ file, appVersion: TEST_APP_VERSION, now: steppingClock(), migrations: V1 });
  generateDemoData(db.connection, { sessions, messagesPerSession: perSession, seed: 7 });
  db.settings.set('theme', 'dark');
  db.settings.set('api-key', 'sk-test', { secret: true });
  db.prompts.upsert({ name: 'Translate', content: 'Translate this' });
  db.close();
  return file;
}

function openWith(
  file: string,
  migrations: readonly Migration[],
  extra: Partial<Parameters<typeof StrataDatabase.open>[0]> = {},
) {
  return StrataDatabase.open({ file, appVersion: TEST_APP_VERSION, now: steppingClock(), migrations, ...extra });
}

async function rejection(p: Promise<unknown>): Promise<StrataError> {
  try {
    const value = await p;
    if (value instanceof StrataDatabase) value.close();
  } catch (e) {
    expect(e).toBeInstanceOf(StrataError);
    return e as StrataError;
  }
  throw new Error('expected the open to fail');
}

describe('a failing migration step', () => {
  it('that throws after changing things leaves the database exactly as it was', async () => {
    const file = await v1DatabaseWithData(tempDir());
    const before = dumpDatabase(file);
    expect(before.rows.messages!.length).toBe(48);

    const err = await rejection(openWith(file, [initialSchema, throwsMidway]));
    expect(err.code).toBe('migration_failed');
    expect(err.message).toContain('Migration 2 (breaks-halfway)');
    expect(err.message).toContain('rolled back');
    expect(err.message).toContain('disk gremlin at step 2');

    const after = dumpDatabase(file);
    expect(after.userVersion).toBe(1);
    expect(after.schema).toEqual(before.schema);
    expect(after.rows).toEqual(before.rows);
    expect(integrityCheck(file)).toEqual(['ok']);

    // Today's app still opens it as a normal v1 database, with nothing to apply.
    const again = await openWith(file, V1);
    expect(again.lastMigration.applied).toEqual([]);
    expect(again.sessions.count()).toBe(4);
    again.close();
  });

  it('whose verify() reports a problem is rolled back with the problem in the error', async () => {
    const file = await v1DatabaseWithData(tempDir());
    const before = dumpDatabase(file);

    const err = await rejection(openWith(file, [initialSchema, failsVerify]));
    expect(err.code).toBe('migration_check_failed');
    expect(err.message).toContain('Migration 2 (wrong-shape)');
    expect(err.message).toContain('column tags.label is missing');

    const after = dumpDatabase(file);
    expect(after).toEqual(before);
    expect(after.schema.some((s) => s.name === 'tags')).toBe(false);
    expect(integrityCheck(file)).toEqual(['ok']);
  });

  it('keeps the steps before it: v2 applied, v3 rolled back', async () => {
    const file = await v1DatabaseWithData(tempDir());
    const v3: Migration = { ...throwsMidway, version: 3, name: 'breaks-at-three' };
    const err = await rejection(openWith(file, [initialSchema, addFolders, v3]));
    expect(err.message).toContain('Migration 3 (breaks-at-three)');

    const after = dumpDatabase(file);
    expect(after.userVersion).toBe(2);
    expect(after.rows.schema_migrations!.map((r) => (r as { version: number }).version)).toEqual([1, 2]);
    expect(after.schema.some((s) => s.name === 'folders')).toBe(true);
    expect(after.schema.some((s) => s.name === 'half_done')).toBe(false);
    expect(after.rows.sessions!.every((s) => (s as { title: string }).title !== 'CLOBBERED')).toBe(true);
    expect(integrityCheck(file)).toEqual(['ok']);
  });

  it('does not run at all when the pre-migration copy cannot be made', async () => {
    const file = await v1DatabaseWithData(tempDir());
    const before = dumpDatabase(file);
    const err = await rejection(
      openWith(file, [initialSchema, addFolders], {
        beforeMigrate: () => {
          throw new StrataError('disk_full', 'The disk is full. Free some space and try again.');
        },
      }),
    );
    expect(err.code).toBe('disk_full');
    expect(dumpDatabase(file)).toEqual(before);
  });
});

describe('a database newer than the app', () => {
  async function newerDatabase(): Promise<{ dir: string; file: string }> {
    const dir = tempDir();
    const file = await v1DatabaseWithData(dir, 2, 3);
    const raw = new Database(file);
    raw.pragma('user_version = 9');
    raw.pragma('wal_checkpoint(TRUNCATE)');
    raw.close();
    return { dir, file };
  }

  it('is refused with schema_too_new and its bytes and mtime are unchanged', async () => {
    const { file } = await newerDatabase();
    const sha = sha256File(file);
    const { mtimeMs, size } = fs.statSync(file);
    await new Promise((r) => setTimeout(r, 30));

    const err = await rejection(openWith(file, V1));
    expect(err.code).toBe('schema_too_new');
    expect(err.message).toContain('schema version 9');
    expect(err.message).toContain('only knows up to 1');

    expect(sha256File(file)).toBe(sha);
    expect(fs.statSync(file).mtimeMs).toBe(mtimeMs);
    expect(fs.statSync(file).size).toBe(size);
  });

  it('is refused untouched even when the newer app left committed pages in the WAL', async () => {
    // The newer app crashed (or was copied while running): its last commits are only in strata.db-wal.
    const live = tempDir();
    const db = await openTestDb(live);
    db.connection.pragma('wal_autocheckpoint = 0');
    db.sessions.create({ title: 'written by Strata 9' });
    db.connection.pragma('user_version = 9');
    const dir = tempDir();
    for (const f of ['strata.db', 'strata.db-wal']) fs.copyFileSync(path.join(live, f), path.join(dir, f));
    db.connection.close();
    const file = path.join(dir, 'strata.db');
    const sha = sha256File(file);
    const walSha = sha256File(file + '-wal');
    const { mtimeMs } = fs.statSync(file);

    const err = await rejection(openWith(file, V1));
    expect(err.code).toBe('schema_too_new');
    expect(sha256File(file)).toBe(sha);
    expect(fs.statSync(file).mtimeMs).toBe(mtimeMs);
    expect(fs.existsSync(file + '-wal')).toBe(true);
    expect(sha256File(file + '-wal')).toBe(walSha);
  });

  it('is refused by the app too, without taking a pre-migration snapshot', async () => {
    const { dir, file } = await newerDatabase();
    const sha = sha256File(file);
    const { mtimeMs } = fs.statSync(file);
    const err = await rejection(StrataApp.open({ dataDir: dir, owner: 'cli' }).then((app) => app.db));
    expect(err.code).toBe('schema_too_new');
    expect(sha256File(file)).toBe(sha);
    expect(fs.statSync(file).mtimeMs).toBe(mtimeMs);
    const snapshotsDir = path.join(dataPaths(dir).backups, 'snapshots');
    const stored = fs.existsSync(snapshotsDir) ? fs.readdirSync(snapshotsDir) : [];
    expect(stored.filter((f) => f.includes('pre-migration'))).toEqual([]);
  });
});

describe('the pre-migration copy', () => {
  it('is taken before the first v2 step, opens, and holds the v1 data', async () => {
    const dir = tempDir();
    const paths = dataPaths(dir);
    const file = await v1DatabaseWithData(dir, 5, 20);
    const oldHash = chatContentHash(file);
    const oldCounts = countRows(file, ['sessions', 'messages', 'settings', 'custom_prompts']);
    // What the hook does is the caller's choice (the app pins a snapshot); here, a plain online copy.
    const copy = async (plan: { from: number; to: number }) => {
      fs.mkdirSync(path.join(paths.backups, 'pre-migration'), { recursive: true });
      const src = new Database(file, { readonly: true });
      try {
        await src.backup(
          path.join(paths.backups, 'pre-migration', `pre-migration-v${plan.from}-to-v${plan.to}-1700000000000.db`),
        );
      } finally {
        src.close();
      }
    };
    const plans: { from: number; to: number; liveVersionThen: number }[] = [];

    const db = await openWith(file, [initialSchema, addFolders], {
      beforeMigrate: async (plan) => {
        const peek = openReadonly(file);
        plans.push({
          from: plan.from,
          to: plan.to,
          liveVersionThen: peek.pragma('user_version', { simple: true }) as number,
        });
        peek.close();
        await copy(plan);
      },
    });
    try {
      expect(plans).toEqual([{ from: 1, to: 2, liveVersionThen: 1 }]);
      expect(db.lastMigration).toEqual({ from: 1, to: 2, applied: [{ version: 2, name: 'session-folders' }] });
      expect(db.connection.pragma('user_version', { simple: true })).toBe(2);
    } finally {
      db.close();
    }

    const copies = fs.readdirSync(path.join(paths.backups, 'pre-migration'));
    expect(copies).toEqual(['pre-migration-v1-to-v2-1700000000000.db']);
    const copyFile = path.join(paths.backups, 'pre-migration', copies[0]!);
    expect(integrityCheck(copyFile)).toEqual(['ok']);
    const copyDump = dumpDatabase(copyFile);
    expect(copyDump.userVersion).toBe(1);
    expect(copyDump.schema.some((s) => s.name === 'folders')).toBe(false);
    expect(countRows(copyFile, ['sessions', 'messages', 'settings', 'custom_prompts'])).toEqual(oldCounts);
    expect(chatContentHash(copyFile)).toBe(oldHash);

    // The copy is a working Strata v1 database, not just a readable file.
    const reopened = await openWith(copyFile, V1);
    expect(reopened.lastMigration.applied).toEqual([]);
    expect(reopened.sessions.list().length).toBe(5);
    expect(reopened.settings.get('api-key')).toMatchObject({ value: 'sk-test', secret: true });
    reopened.close();
  });

  it('is not taken for a brand-new database (nothing to protect)', async () => {
    const calls: unknown[] = [];
    const db = await openWith(path.join(tempDir(), 'strata.db'), [initialSchema, addFolders], {
      beforeMigrate: (plan) => void calls.push(plan),
    });
    expect(db.lastMigration.to).toBe(2);
    db.close();
    expect(calls).toEqual([]);
  });

  it('is not taken when the schema is already current', async () => {
    const file = await v1DatabaseWithData(tempDir());
    const calls: unknown[] = [];
    const db = await openWith(file, V1, { beforeMigrate: (plan) => void calls.push(plan) });
    db.close();
    expect(calls).toEqual([]);
  });

  it('StrataApp pins a pre-migration snapshot that verifies and exports the old data', async () => {
    const dir = tempDir();
    const app1 = await StrataApp.open({ dataDir: dir, owner: 'cli' });
    generateDemoData(app1.db.connection, { sessions: 6, messagesPerSession: 15, seed: 3 });
    await app1.close();
    const file = dataPaths(dir).database;
    const oldHash = chatContentHash(file);
    const oldCounts = countRows(file, ['sessions', 'messages']);
    expect(oldCounts).toEqual({ sessions: 6, messages: 90 });

    // A later release ships the next schema.
    builtInMigrations.push({ ...addFolders, version: CURRENT + 1 });
    const app2 = await StrataApp.open({ dataDir: dir, owner: 'cli' });
    let snapshotId: string;
    try {
      expect(app2.db.lastMigration.applied).toEqual([{ version: CURRENT + 1, name: 'session-folders' }]);
      const pre = (await app2.snapshots.list()).filter((s) => s.tier === 'pre-migration');
      expect(pre.length).toBe(1);
      expect(pre[0]!.pinned).toBe(true);
      expect(pre[0]!.schemaVersion).toBe(CURRENT);
      expect(pre[0]!.counts).toMatchObject(oldCounts);
      snapshotId = pre[0]!.id;
      const verified = await app2.snapshots.verify(snapshotId);
      expect(verified.problems).toEqual([]);
      expect(verified.ok).toBe(true);
    } finally {
      await app2.close();
    }

    // `strata snapshot export ID --out FILE`, run in this process so it sees the next schema too.
    const out = path.join(tempDir(), 'pre-migration.db');
    let stdout = '';
    let stderr = '';
    const code = await runCli(['--data-dir', dir, '--json', 'snapshot', 'export', snapshotId, '--out', out], {
      stdout: (s) => (stdout += s),
      stderr: (s) => (stderr += s),
      env: {},
    });
    expect(stderr).not.toMatch(/error:/);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ file: out });
    expect(integrityCheck(out)).toEqual(['ok']);
    expect(dumpDatabase(out).userVersion).toBe(CURRENT);
    expect(countRows(out, ['sessions', 'messages'])).toEqual(oldCounts);
    expect(chatContentHash(out)).toBe(oldHash);
    // The live data moved on to the next schema.
    expect(dumpDatabase(file).userVersion).toBe(CURRENT + 1);
  });
});

describe('migration 002: the change counter', () => {
  const changeCount = (db: StrataDatabase) => db.metadata.get().changeCount;

  it('migrates a v1 database with data: counter at 0, every row kept, then every write advances it', async () => {
    const dir = tempDir();
    const file = await v1DatabaseWithData(dir, 3, 5);
    const oldHash = chatContentHash(file);
    const oldCounts = countRows(file, ['sessions', 'messages', 'settings', 'custom_prompts']);
    const db = await openWith(file, [initialSchema, changeCounter]);
    try {
      expect(db.lastMigration.applied).toEqual([{ version: 2, name: 'change-counter' }]);
      expect(changeCount(db)).toBe(0);
      expect(chatContentHash(file)).toBe(oldHash);
      expect(countRows(file, ['sessions', 'messages', 'settings', 'custom_prompts'])).toEqual(oldCounts);

      const c = db.connection;
      const steps: [string, () => unknown][] = [
        ['insert a session', () => db.sessions.create({ title: 'new' })],
        [
          'edit a message, same length',
          () => c.prepare(`UPDATE messages SET content = upper(content) WHERE rowid = 1`).run(),
        ],
        ['delete a message', () => c.prepare(`DELETE FROM messages WHERE rowid = 2`).run()],
        ['set a setting', () => db.settings.set('theme', 'light')],
        ['upsert a prompt', () => db.prompts.upsert({ name: 'Summarise', content: 'Summarise this' })],
        ['favorite action', () => db.favoriteActions.upsert({ id: 'f', label: 'F', action: 'x' })],
        ['extension data', () => db.extensionData.put('ext', 'blob', { a: 1 })],
        ['app log', () => c.prepare(`INSERT INTO app_logs (level, message, logged_at) VALUES ('info', 'x', 1)`).run()],
        ['analytics', () => c.prepare(`INSERT INTO analytics_events (name, occurred_at) VALUES ('open', 1)`).run()],
      ];
      for (const [what, write] of steps) {
        const before = changeCount(db)!;
        write();
        expect(changeCount(db), what).toBeGreaterThan(before);
      }
      // Bookkeeping is not a change: the last backup time and job runs are written after each snapshot.
      const before = changeCount(db);
      db.metadata.recordBackup(123);
      db.metadata.recordJobRun('drill', 456);
      expect(changeCount(db)).toBe(before);
      expect(db.metadata.jobRuns()).toEqual({ drill: 456 });
    } finally {
      db.close();
    }
  });

  it('every table but the bookkeeping ones has the three counting triggers', async () => {
    const db = await openWith(path.join(tempDir(), 'strata.db'), MIGRATIONS);
    try {
      const tables = (
        db.connection
          .prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
          .all() as { name: string }[]
      )
        .map((r) => r.name)
        .filter((n) => n !== 'database_metadata' && n !== 'schema_migrations');
      expect(tables.length).toBeGreaterThanOrEqual(8);
      const problems = expectSchema(db.connection, {
        tables: {},
        triggers: tables.flatMap((t) => changeCounterTriggerNames(t)),
      });
      expect(problems).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('a write by another program (the sqlite3 shell) advances it too', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'strata.db');
    const db = await openWith(file, MIGRATIONS);
    generateDemoData(db.connection, { sessions: 1, messagesPerSession: 3, seed: 5 });
    const before = changeCount(db)!;
    db.close();
    const r = spawnSync(
      '/usr/bin/sqlite3',
      [file, `UPDATE messages SET content = 'edited by hand' WHERE sequence = 1;`],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const again = await openWith(file, MIGRATIONS);
    try {
      expect(changeCount(again)).toBe(before + 1);
    } finally {
      again.close();
    }
  });

  it('is rolled back whole when its check fails, leaving a working v1 database', async () => {
    const file = await v1DatabaseWithData(tempDir(), 2, 3);
    const hash = chatContentHash(file);
    const broken: Migration = { ...changeCounter, verify: () => ['trigger trg_x is missing'] };
    const err = await rejection(openWith(file, [initialSchema, broken]));
    expect(err.code).toBe('migration_check_failed');
    const raw = openReadonly(file);
    try {
      expect(raw.pragma('user_version', { simple: true })).toBe(1);
      expect(raw.prepare(`SELECT name FROM pragma_table_info('database_metadata')`).all()).not.toContainEqual({
        name: 'change_count',
      });
      expect(raw.prepare(`SELECT count(*) AS n FROM sqlite_schema WHERE type = 'trigger'`).get()).toEqual({ n: 4 });
    } finally {
      raw.close();
    }
    expect(chatContentHash(file)).toBe(hash);
  });
});
