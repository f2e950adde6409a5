import fs from 'node:fs';
import { z } from 'zod';
import { defineCommand } from '../command';
import { noPositionals } from './args';
import { withApp } from '../with-app';
import { databaseInfo, planMigrations, latestVersion } from '../../db';
import { openRaw } from '../../db/connection';
import { StrataError } from '../../core/errors';

export const dbInfoCommand = defineCommand({
  name: 'db info',
  summary: 'Show the database path, size, schema version, journal mode, row counts and quick_check.',
  usage: 'db info',
  args: z.object({ positionals: noPositionals }),
  run(ctx) {
    if (!fs.existsSync(ctx.paths.database)) {
      throw new StrataError(
        'not_found',
        `No database at ${ctx.paths.database}. Run 'strata db migrate' or start the app first.`,
      );
    }
    const db = openRaw(ctx.paths.database, { readonly: true });
    try {
      return { ...databaseInfo(db, ctx.paths.database), latestSchemaVersion: latestVersion() };
    } finally {
      db.close();
    }
  },
  print: (i) =>
    [
      `path:            ${i.path}`,
      `size:            ${i.sizeBytes} bytes (+ WAL ${i.walBytes})`,
      `schema version:  ${i.schemaVersion} (this app: ${i.latestSchemaVersion})`,
      `journal mode:    ${i.journalMode}`,
      `quick_check:     ${i.quickCheck}`,
      'rows:',
      ...Object.entries(i.counts).map(([t, n]) => `  ${t.padEnd(20)} ${n}`),
    ].join('\n'),
});

export const dbMigrateCommand = defineCommand({
  name: 'db migrate',
  summary: 'Create the database or bring its schema up to date (after a pinned pre-migration backup).',
  usage: 'db migrate',
  args: z.object({ positionals: noPositionals }),
  async run(ctx) {
    let from = 0;
    if (fs.existsSync(ctx.paths.database)) {
      const raw = openRaw(ctx.paths.database, { readonly: true });
      try {
        from = planMigrations(raw).from;
      } finally {
        raw.close();
      }
    }
    return withApp(ctx, (app) => ({
      path: ctx.paths.database,
      from,
      to: app.db.lastMigration.to || from,
      applied: app.db.lastMigration.applied,
    }));
  },
  print: (r) =>
    r.applied.length
      ? `Migrated ${r.path} from schema ${r.from} to ${r.to} (${r.applied.map((a) => `${a.version} ${a.name}`).join(', ')}).`
      : `Schema is up to date (version ${r.from}).`,
});
