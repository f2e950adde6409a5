import type { SqliteDatabase } from '../connection';
import type { Migration } from './types';
import { expectSchema } from './schema-checks';

/**
 * Tables whose rows are the user's data (or the app's own records that a restore brings back).
 * Every write to one of them advances `database_metadata.change_count`, which "skip when
 * unchanged" compares: counts and high-water marks miss an edit that keeps both (a message's
 * content, two edits in one millisecond, a clock set back). The triggers live in the schema, so
 * writes by any process (the sqlite3 shell included) advance it too.
 *
 * Left out on purpose: `database_metadata` (bookkeeping such as the last backup time must not
 * make the data look changed, or every snapshot would make the next one "changed") and
 * `schema_migrations` (a migration changes the schema version, which the fingerprint holds).
 * A later migration that adds a user table adds its triggers with `changeCounterTriggers`.
 */
export const COUNTED_TABLES = [
  'sessions',
  'messages',
  'settings',
  'custom_prompts',
  'favorite_actions',
  'analytics_events',
  'app_logs',
  'extension_data',
] as const;

const EVENTS = ['insert', 'update', 'delete'] as const;

export function changeCounterTriggerNames(table: string): string[] {
  return EVENTS.map((e) => `trg_${table}_change_${e}`);
}

/** SQL creating the three triggers that make every row written in `table` advance the counter. */
export function changeCounterTriggers(table: string): string {
  return EVENTS.map(
    (e) => `CREATE TRIGGER trg_${table}_change_${e} AFTER ${e.toUpperCase()} ON ${table} BEGIN
      UPDATE database_metadata SET change_count = change_count + 1 WHERE id = 1;
    END;`,
  ).join('\n');
}

/** The counter, or null for a database from before this migration. */
export function readChangeCount(db: SqliteDatabase): number | null {
  const cols = db.prepare(`SELECT name FROM pragma_table_info('database_metadata')`).all() as { name: string }[];
  if (!cols.some((c) => c.name === 'change_count')) return null;
  const row = db.prepare(`SELECT change_count AS n FROM database_metadata WHERE id = 1`).get() as
    { n: number } | undefined;
  return row?.n ?? null;
}

export const changeCounter: Migration = {
  version: 2,
  name: 'change-counter',
  up(db) {
    db.exec(`
      ALTER TABLE database_metadata ADD COLUMN change_count INTEGER NOT NULL DEFAULT 0;
      ${COUNTED_TABLES.map(changeCounterTriggers).join('\n')}
    `);
  },
  verify(db) {
    return expectSchema(db, {
      tables: { database_metadata: ['change_count'] },
      triggers: COUNTED_TABLES.flatMap(changeCounterTriggerNames),
    });
  },
};
