import fs from 'node:fs';
import { z } from 'zod';
import { defineCommand, type CliContext } from '../command';
import { noPositionals, onePositional, wholeNumber } from './args';
import { withApp } from '../with-app';
import { StrataError } from '../../core/errors';
import { exportSessionArchive, importSessionArchive, type TransferProgress } from '../../archives';
import {
  exportSettings,
  importSettings,
  previewSettingsImport,
  retentionCandidates,
  type SettingsImportPreview,
} from '../../settings-transfer';
import { exportAllJson, importAllJson } from '../../full-export';
import { runAppDataCleanup } from '../../app-data-cleanup';

const outFile = z.string({ error: '--out FILE is required' }).min(1, '--out FILE is required');

function requireDatabase(ctx: CliContext): void {
  if (!fs.existsSync(ctx.paths.database)) {
    throw new StrataError('not_found', `No database at ${ctx.paths.database}. Nothing to export.`);
  }
}

const progressTo = (ctx: CliContext, label: string) => (p: TransferProgress) =>
  ctx.progress(`${label} (${p.phase})`, p.done, p.total);

export const sessionExportCommand = defineCommand({
  name: 'session export',
  summary: 'Export one session to a gzipped JSON archive (or Markdown with --format md).',
  usage: 'session export ID --out FILE [--format json|md]',
  options: {
    out: { type: 'string', description: 'file to write (FILE.json.gz, or FILE.md for --format md)' },
    format: { type: 'string', description: "'json' (default, a .json.gz archive) or 'md' (readable Markdown)" },
  },
  args: z.object({
    positionals: onePositional('session ID'),
    out: outFile,
    format: z.enum(['json', 'md'], { error: "--format must be 'json' or 'md'" }).default('json'),
  }),
  async run(ctx, a) {
    requireDatabase(ctx);
    // Opening through the app refuses a too-new schema and migrates an old one (pinned snapshot first).
    return withApp(ctx, (app) =>
      exportSessionArchive(app.db.file, a.positionals, a.out, {
        format: a.format,
        onProgress: progressTo(ctx, 'export'),
      }),
    );
  },
  print: (r) =>
    `Exported "${r.title}" (${r.messageCount} messages) to ${r.outFile} (${r.bytes} bytes` +
    (r.sha256 ? `, content sha256 ${r.sha256})` : ')'),
});

export const sessionImportCommand = defineCommand({
  name: 'session import',
  summary: 'Import a session archive as a new session (new ids; the title is marked restored).',
  usage: 'session import FILE [--allow-duplicate] [--max-bytes N]',
  options: {
    'allow-duplicate': { type: 'boolean', description: 'import even if this archive was imported before' },
    'max-bytes': { type: 'string', description: 'refuse archives that unpack to more than N bytes (default 1 GiB)' },
  },
  args: z.object({
    positionals: onePositional('archive file'),
    'allow-duplicate': z.boolean().optional(),
    'max-bytes': wholeNumber('--max-bytes', 1, Number.MAX_SAFE_INTEGER).optional(),
  }),
  async run(ctx, a) {
    if (!fs.existsSync(a.positionals)) throw new StrataError('not_found', `No file at ${a.positionals}.`);
    return withApp(ctx, (app) =>
      importSessionArchive(app.db.file, a.positionals, {
        allowDuplicate: a['allow-duplicate'] ?? false,
        ...(a['max-bytes'] !== undefined ? { maxDecompressedBytes: a['max-bytes'] } : {}),
        onProgress: progressTo(ctx, 'import'),
        // Once the archive checked out: a snapshot, so the import can be undone from Backups.
        beforeImport: async () => {
          await app.beforeRiskyWrite('Before archive import');
        },
      }),
    );
  },
  print: (r) =>
    `Imported "${r.title}" as session ${r.sessionId}: ${r.messageCount} messages, ${r.tokenTotal} tokens.` +
    (r.duplicateOf ? ` (Another copy exists: ${r.duplicateOf}.)` : ''),
});

export const settingsExportCommand = defineCommand({
  name: 'settings export',
  summary: 'Export settings, custom prompts and favorite actions to a JSON file (secrets left out).',
  usage: 'settings export --out FILE [--include-secrets] [--include-extension-data]',
  options: {
    out: { type: 'string', description: 'file to write' },
    'include-secrets': { type: 'boolean', description: 'also export settings marked secret (API keys)' },
    'include-extension-data': { type: 'boolean', description: 'also export extension data' },
  },
  args: z.object({
    positionals: noPositionals,
    out: outFile,
    'include-secrets': z.boolean().optional(),
    'include-extension-data': z.boolean().optional(),
  }),
  async run(ctx, a) {
    return withApp(ctx, (app) =>
      exportSettings(app.db, a.out, {
        includeSecrets: a['include-secrets'] ?? false,
        includeExtensionData: a['include-extension-data'] ?? false,
      }),
    );
  },
  print: (r) =>
    `Wrote ${r.outFile}: ${r.settings} settings, ${r.prompts} prompts, ${r.favoriteActions} favorite actions` +
    (r.extensionData !== null ? `, ${r.extensionData} extension records` : '') +
    (r.secretsLeftOut ? `. ${r.secretsLeftOut} secret setting(s) left out (use --include-secrets).` : '.'),
});

function describeChanges(p: SettingsImportPreview): string {
  const block = (title: string, s: SettingsImportPreview['settings'] | null) => {
    if (!s) return [];
    const lines = [`${title}: ${s.added.length} added, ${s.changed.length} changed, ${s.removed.length} removed`];
    for (const k of s.added) lines.push(`  + ${k}`);
    for (const k of s.changed) lines.push(`  ~ ${k}`);
    for (const k of s.removed) lines.push(`  - ${k}`);
    return lines;
  };
  return [
    ...block('settings', p.settings),
    ...block('prompts', p.prompts),
    ...block('favorite actions', p.favoriteActions),
    ...block('extension data', p.extensionData),
    ...(p.keptSecrets.length ? [`kept (secret, not in file): ${p.keptSecrets.join(', ')}`] : []),
    ...describeBackupChanges(p.backup),
  ].join('\n');
}

const shown = (v: unknown) => (v === null ? 'none' : JSON.stringify(v));

/** The backup config values a settings file changes, one per line, and what they would delete. */
function describeBackupChanges(b: SettingsImportPreview['backup']): string[] {
  if (!b) return [];
  const lines = ['backup schedule and retention:'];
  for (const c of b.changes) lines.push(`  ~ ${c.path}: ${shown(c.before)} -> ${shown(c.after)}`);
  if (b.wouldDelete.length > 0) {
    lines.push(`warning: this retention would delete ${b.wouldDelete.length} existing snapshot(s):`);
    for (const d of b.wouldDelete) lines.push(`  - ${d.id} (${d.tier}, ${new Date(d.createdAt).toISOString()})`);
  }
  if (b.turnsOffBackups) lines.push('warning: this turns automatic backups off');
  if (b.confirmationRequired) lines.push('importing needs --accept-backup-changes');
  return lines;
}

export const settingsImportCommand = defineCommand({
  name: 'settings import',
  summary: 'Import a settings file: merge (default) or --replace; --dry-run only shows the changes.',
  usage: 'settings import FILE [--dry-run] [--replace] [--accept-backup-changes]',
  options: {
    'dry-run': { type: 'boolean', description: 'show what would be added, changed and removed; change nothing' },
    replace: { type: 'boolean', description: 'make settings, prompts and actions exactly those in the file' },
    'accept-backup-changes': {
      type: 'boolean',
      description: "apply the file's backup retention even though it deletes existing snapshots",
    },
  },
  args: z.object({
    positionals: onePositional('settings file'),
    'dry-run': z.boolean().optional(),
    replace: z.boolean().optional(),
    'accept-backup-changes': z.boolean().optional(),
  }),
  async run(ctx, a) {
    const mode = a.replace ? 'replace' : 'merge';
    return withApp(ctx, async (app) => {
      const backup = { snapshots: retentionCandidates(await app.snapshots.list()), now: app.clock.now() };
      if (a['dry-run'])
        return { ...previewSettingsImport(app.db, a.positionals, { mode, backup }), applied: false, dryRun: true };
      const result = await importSettings(app.db, a.positionals, {
        mode,
        backup,
        acceptBackupChanges: a['accept-backup-changes'] ?? false,
        beforeImport: async () => {
          await app.beforeRiskyWrite('Before settings import');
        },
      });
      return { ...result, dryRun: false };
    });
  },
  print: (r) =>
    `${r.dryRun ? 'Dry run' : r.applied ? 'Imported' : 'Nothing to import'} (${r.mode}):\n${describeChanges(r)}` +
    (r.dryRun ? '\nNothing was changed.' : ''),
});

export const exportJsonCommand = defineCommand({
  name: 'export-json',
  summary: 'Export every table and the schema version to a gzipped JSON file.',
  usage: 'export-json --out FILE',
  options: { out: { type: 'string', description: 'file to write (FILE.json.gz)' } },
  args: z.object({ positionals: noPositionals, out: outFile }),
  async run(ctx, a) {
    requireDatabase(ctx);
    return withApp(ctx, (app) => exportAllJson(app.db.file, a.out, { onProgress: progressTo(ctx, 'export-json') }));
  },
  print: (r) =>
    `Wrote ${r.outFile} (${r.bytes} bytes, schema ${r.schemaVersion}):\n` +
    Object.entries(r.counts)
      .map(([t, n]) => `  ${t.padEnd(20)} ${n}`)
      .join('\n'),
});

export const importJsonCommand = defineCommand({
  name: 'import-json',
  summary: 'Rebuild the database of an empty data folder from an export-json file.',
  usage: 'import-json FILE',
  options: { 'max-bytes': { type: 'string', description: 'refuse files that unpack to more than N bytes' } },
  args: z.object({
    positionals: onePositional('export file'),
    'max-bytes': wholeNumber('--max-bytes', 1, Number.MAX_SAFE_INTEGER).optional(),
  }),
  async run(ctx, a) {
    const result = await importAllJson(a.positionals, ctx.dataDir, {
      onProgress: progressTo(ctx, 'import-json'),
      ...(a['max-bytes'] !== undefined ? { maxDecompressedBytes: a['max-bytes'] } : {}),
    });
    // An export from an older schema is migrated now, behind a pinned pre-migration snapshot.
    const openedSchemaVersion = await withApp(ctx, (app) => app.db.connection.pragma('user_version', { simple: true }));
    return { ...result, openedSchemaVersion: openedSchemaVersion as number };
  },
  print: (r) =>
    `Rebuilt ${r.database} (schema ${r.openedSchemaVersion}):\n` +
    Object.entries(r.counts)
      .map(([t, n]) => `  ${t.padEnd(20)} ${n}`)
      .join('\n'),
});

export const retentionRunCommand = defineCommand({
  name: 'retention run',
  summary: 'Delete old app logs (7 days) and analytics (90 days) and reclaim space; sessions are kept.',
  usage: 'retention run [--dry-run]',
  options: { 'dry-run': { type: 'boolean', description: 'only count what would be deleted' } },
  args: z.object({ positionals: noPositionals, 'dry-run': z.boolean().optional() }),
  async run(ctx, a) {
    return withApp(ctx, (app) => runAppDataCleanup(app.db, { dryRun: a['dry-run'] ?? false }));
  },
  print: (r) =>
    [
      ...(r.warning ? [`warning: ${r.warning}`] : []),
      ...r.tables.map((t) =>
        t.cutoff === null
          ? `${t.table}: kept forever`
          : `${t.table}: ${r.dryRun ? `${t.eligible} older than ${t.keepDays} days would be deleted` : `${t.deleted} deleted (older than ${t.keepDays} days)`}`,
      ),
      r.dryRun
        ? `space: ${r.vacuum.freePagesBefore} free pages now. Nothing was changed.`
        : r.vacuum.mode === 'incremental'
          ? `space: ${r.vacuum.bytesReclaimed} bytes returned in ${r.vacuum.steps} step(s)`
          : 'space: not reclaimed (this database was created without incremental auto-vacuum)',
    ].join('\n'),
});

export const ARCHIVE_COMMANDS = [
  sessionExportCommand,
  sessionImportCommand,
  settingsExportCommand,
  settingsImportCommand,
  exportJsonCommand,
  importJsonCommand,
  retentionRunCommand,
];
