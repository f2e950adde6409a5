import type { SqliteDatabase } from './connection';
import { MIGRATIONS, type Migration } from './migrations';
import { StrataError } from '../core/errors';

export interface MigrationPlan {
  from: number;
  to: number;
  pending: Migration[];
}

export interface MigrateOptions {
  migrations?: readonly Migration[];
  appVersion: string;
  now: () => number;
  /**
   * Runs once before the first pending step when the database already holds a schema,
   * so that a pinned copy of the old data exists whatever the steps do.
   */
  beforeMigrate?: (plan: MigrationPlan) => Promise<void> | void;
}

export interface MigrationResult {
  from: number;
  to: number;
  applied: { version: number; name: string }[];
}

/** PRAGMA user_version is the schema version: readable without touching any table. */
export function readSchemaVersion(db: SqliteDatabase): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function latestVersion(migrations: readonly Migration[] = MIGRATIONS): number {
  return migrations.length ? migrations[migrations.length - 1]!.version : 0;
}

export class SchemaTooNewError extends StrataError {
  constructor(found: number, supported: number) {
    super(
      'schema_too_new',
      `This database uses schema version ${found}, but this version of Strata only knows up to ${supported}. ` +
        `Update Strata to open it; the file was left untouched.`,
      { found, supported },
    );
  }
}

export function assertSchemaNotNewer(db: SqliteDatabase, migrations: readonly Migration[] = MIGRATIONS): number {
  const version = readSchemaVersion(db);
  const supported = latestVersion(migrations);
  if (version > supported) throw new SchemaTooNewError(version, supported);
  return version;
}

export function planMigrations(db: SqliteDatabase, migrations: readonly Migration[] = MIGRATIONS): MigrationPlan {
  const from = assertSchemaNotNewer(db, migrations);
  const pending = migrations.filter((m) => m.version > from);
  return { from, to: latestVersion(migrations), pending };
}

/**
 * Applies each pending step in its own IMMEDIATE transaction, checks the schema the step
 * promised, records it, and only then commits. A failing step rolls back completely, so
 * the database is exactly as it was before that step.
 */
export async function migrate(db: SqliteDatabase, opts: MigrateOptions): Promise<MigrationResult> {
  const migrations = opts.migrations ?? MIGRATIONS;
  const plan = planMigrations(db, migrations);
  const result: MigrationResult = { from: plan.from, to: plan.from, applied: [] };
  if (plan.pending.length === 0) return result;
  if (plan.from > 0 && opts.beforeMigrate) await opts.beforeMigrate(plan);

  for (const step of plan.pending) {
    const run = db.transaction(() => {
      db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY NOT NULL,
        name TEXT NOT NULL,
        applied_at INTEGER NOT NULL,
        app_version TEXT NOT NULL
      )`);
      step.up(db);
      const problems = step.verify(db);
      if (problems.length) {
        throw new StrataError(
          'migration_check_failed',
          `Migration ${step.version} (${step.name}) did not produce the expected schema: ${problems.join('; ')}`,
        );
      }
      const fk = db.pragma('foreign_key_check') as unknown[];
      if (fk.length)
        throw new StrataError('migration_check_failed', `Migration ${step.version} broke ${fk.length} foreign keys`);
      const now = opts.now();
      db.prepare(`INSERT INTO schema_migrations (version, name, applied_at, app_version) VALUES (?, ?, ?, ?)`).run(
        step.version,
        step.name,
        now,
        opts.appVersion,
      );
      db.prepare(
        `UPDATE database_metadata SET schema_version = ?, app_version = ?, last_migration_at = ?, updated_at = ? WHERE id = 1`,
      ).run(step.version, opts.appVersion, now, now);
      db.pragma(`user_version = ${step.version}`);
    });
    try {
      run.immediate();
    } catch (e) {
      if (e instanceof StrataError) throw e;
      throw new StrataError(
        'migration_failed',
        `Migration ${step.version} (${step.name}) failed and was rolled back: ${(e as Error).message}`,
      );
    }
    result.applied.push({ version: step.version, name: step.name });
    result.to = step.version;
  }
  return result;
}
