import type { HealthReport } from '../../snapshots';
import { momentTextSchema, parseMoment } from '../../contract/moment';
import { z } from 'zod';
import { defineCommand } from '../command';
import { withApp } from '../with-app';
import { noPositionals } from './args';
import { StrataError } from '../../core/errors';
import { formatBytes } from '../../snapshots/retention';
import { readStoreData, subsetPercent } from './store';
import { describeDiff, pointArg } from './points';
import type { PointDiff, PointInfo } from '../../point-browsing';
import type { RestoreResult } from '../../snapshots';
import { isGoodSnapshot, type DamagedEntry, type SnapshotEntry, type SnapshotSidecar } from '../../snapshots';

/** checked / verified / recovered for good snapshots; unchecked when a verify could not run; damaged otherwise. */
function statusOf(s: SnapshotSidecar): 'checked' | 'verified' | 'recovered' | 'unchecked' | 'damaged' {
  if (!isGoodSnapshot(s)) return 'damaged';
  if (s.lastVerify?.status === 'unchecked') return 'unchecked';
  if (s.recovered) return 'recovered';
  return s.lastVerify ? 'verified' : 'checked';
}

const describe = (s: SnapshotSidecar) =>
  `${s.id}  ${s.tier.padEnd(13)} ${s.createdAt}  ${formatBytes(s.stored.sizeBytes).padStart(9)}  ` +
  `${statusOf(s) === 'damaged' ? 'DAMAGED' : statusOf(s)}` +
  `${(s.memberships?.length ?? 0) > 0 ? `  also ${[...new Set(s.memberships!.map((m) => m.tier))].join(', ')}` : ''}` +
  `${s.pinned ? '  pinned' : ''}${s.label ? `  "${s.label}"` : ''}`;

const describeDamaged = (d: Omit<DamagedEntry, 'sidecarPath'>) =>
  `${d.id}  ${(d.tier ?? '?').padEnd(13)} ${d.createdAt ?? '?'}  DAMAGED: ${d.reason}` +
  `${d.recoverable ? " ('strata verify --all' rebuilds its metadata)" : ''}`;

/** addedBytes: what this point added to the store when it was made; size: the database it holds. */
const publicEntry = ({ sidecarPath: _s, ...rest }: SnapshotEntry) => ({
  ...rest,
  status: statusOf(rest),
  addedBytes: rest.stored.sizeBytes,
  size: rest.source.sizeBytes,
});
const publicDamaged = ({ sidecarPath: _s, ...d }: DamagedEntry) => ({ ...d, status: 'damaged' as const });

/** Commands that only read the backups still work when strata.db is missing, to help bring it back. */
const BACKUPS_ONLY = { allowMissingDatabase: true } as const;

export const backupCommand = defineCommand({
  name: 'backup',
  summary: 'Take a snapshot now (tier manual) and print its sidecar.',
  usage: 'backup [--label TEXT]',
  options: { label: { type: 'string', description: 'a label to find it by later' } },
  args: z.object({ positionals: noPositionals, label: z.string().trim().min(1).max(200).optional() }),
  run: (ctx, a) => withApp(ctx, (app) => app.snapshots.create({ tier: 'manual', label: a.label ?? null })),
  print: (s) =>
    `Snapshot ${s.id} written (${formatBytes(s.stored.sizeBytes)} from ${formatBytes(s.source.sizeBytes)}, ${s.durationMs} ms).`,
});

export const listCommand = defineCommand({
  name: 'list',
  summary: 'List snapshots, newest first, with the path of each stored file.',
  usage: 'list',
  args: z.object({ positionals: noPositionals }),
  run: (ctx) =>
    withApp(
      ctx,
      async (app) => {
        const { entries, damaged } = app.snapshots.scan();
        return [...entries.map(publicEntry), ...damaged.map(publicDamaged)];
      },
      BACKUPS_ONLY,
    ),
  print: (list) =>
    list.length
      ? list.map((s) => ('reason' in s ? describeDamaged(s) : describe(s))).join('\n')
      : 'No snapshots yet. Run `strata backup`.',
});

export const verifyCommand = defineCommand({
  name: 'verify',
  summary: 'Check snapshots: checksum, decompression, integrity_check and record counts. Exits 1 if any fails.',
  usage: 'verify [ID...|--all] | verify --read-data [--subset N%]',
  options: {
    all: { type: 'boolean', description: 'verify every snapshot' },
    'read-data': {
      type: 'boolean',
      description: 'read every object of the page store (or a share), check its hash, rebuild each point',
    },
    subset: { type: 'string', description: 'with --read-data: the share of packs to read, e.g. 10%' },
  },
  args: z
    .object({
      positionals: z.array(z.string().max(100)),
      all: z.boolean().optional(),
      'read-data': z.boolean().optional(),
      subset: subsetPercent.optional(),
    })
    .refine((a) => !(a.all && a.positionals.length), 'give snapshot ids or --all, not both')
    .refine((a) => a.subset === undefined || a['read-data'], '--subset goes with --read-data'),
  run: (ctx, a) =>
    withApp(
      ctx,
      async (app) => {
        if (a['read-data']) return readStoreData(app, a.subset);
        let ids = a.positionals;
        if (a.all || ids.length === 0) {
          // Every snapshot, including those whose metadata is lost: verify rebuilds it from the data.
          const { entries, damaged } = app.snapshots.scan();
          ids = a.all
            ? [...entries.map((s) => s.id), ...damaged.map((d) => d.id)]
            : entries.slice(0, 1).map((s) => s.id);
        }
        if (ids.length === 0) throw new StrataError('no_snapshots', 'There are no snapshots to verify yet.');
        const results = [];
        for (const id of ids) results.push(await app.snapshots.verify(id));
        return { ok: results.every((r) => r.ok), results };
      },
      BACKUPS_ONLY,
    ),
  print: (r) =>
    r.results
      .map((x) =>
        x.ok
          ? `ok        ${x.id}${x.recovered ? ' (metadata rebuilt from the stored data)' : ''}`
          : `${x.status === 'unchecked' ? 'UNCHECKED' : 'DAMAGED  '} ${x.id}: ${x.problems.join('; ')}`,
      )
      .join('\n'),
  exitCode: (r) => (r.ok ? 0 : 1),
});

export const restoreCommand = defineCommand({
  name: 'restore',
  summary:
    'Replace the live database with a snapshot, or with the database as it was at a moment (--at), after a pinned pre-restore snapshot. --dry-run shows what would change. --undo reverts the last restore.',
  usage: 'restore ID --yes | restore --at TIME --yes | restore ID --dry-run | restore --undo --yes',
  options: {
    at: {
      type: 'string',
      description: 'restore the database as it was at TIME: ISO, local "YYYY-MM-DD HH:MM:SS", or -5m / -2h',
    },
    yes: { type: 'boolean', description: 'confirm: the current data is replaced (it stays in a pre-restore snapshot)' },
    'dry-run': { type: 'boolean', description: 'print what the restore would change, and change nothing' },
    undo: { type: 'boolean', description: 'undo the most recent restore' },
  },
  args: z
    .object({
      positionals: z.array(z.string().max(100)).max(1, 'only one snapshot id'),
      at: momentTextSchema.optional(),
      yes: z.boolean().optional(),
      'dry-run': z.boolean().optional(),
      undo: z.boolean().optional(),
    })
    .refine(
      (a) => a.yes === true || a['dry-run'] === true,
      'add --yes to confirm the restore, or --dry-run to preview it',
    )
    .refine((a) => !(a.undo && a['dry-run']), '--dry-run previews a snapshot restore, not --undo')
    .refine(
      (a) => (a.undo || a.at ? a.positionals.length === 0 : a.positionals.length === 1),
      'give one snapshot id, or --at TIME, or --undo',
    )
    .refine((a) => !(a.undo && a.at), '--undo and --at do not go together'),
  run: async (ctx, a): Promise<RestoreResult | ({ dryRun: true; point: PointInfo } & PointDiff)> =>
    a['dry-run']
      ? withApp(ctx, async (app) => ({
          dryRun: true as const,
          ...(await app.points.diff(a.at ? { at: momentOf(a.at, app.clock.now()) } : pointArg(a.positionals[0]!))),
        }))
      : withApp(
          ctx,
          (app) =>
            a.undo
              ? app.snapshots.undoRestore()
              : a.at
                ? app.snapshots.restoreAt(momentOf(a.at, app.clock.now()))
                : app.snapshots.restore(a.positionals[0]!),
          {
            exclusive: true,
            // Bringing back a missing database is what restore is for.
            allowMissingDatabase: true,
          },
        ),
  print: (r) =>
    'dryRun' in r
      ? `Dry run: nothing was changed.\n${describeDiff(r)}`
      : `Restored ${r.restoredFrom}${r.resolvedAt ? ` (the last commit at or before it was recorded at ${r.resolvedAt})` : ''} in ${r.durationMs} ms. ${r.preRestoreSnapshotId ? `The previous data is kept in ${r.preRestoreSnapshotId}; 'strata restore --undo --yes' brings it back.` : ''}`,
});

export const backupTestCommand = defineCommand({
  name: 'backup-test',
  summary:
    'Restore drill: restore a snapshot (default: newest good) into a temp folder, check it and open it with the app.',
  usage: 'backup-test [ID]',
  args: z.object({ positionals: z.array(z.string().max(100)).max(1, 'only one snapshot id') }),
  run: (ctx, a) => withApp(ctx, (app) => app.snapshots.drill(a.positionals[0]), BACKUPS_ONLY),
  print: (r) =>
    r.ok
      ? `Drill ok: ${r.id} restores, passes integrity_check and opens with ${r.sessionsReadable} sessions.`
      : `Drill FAILED for ${r.id}: ${r.problems.join('; ')}`,
  exitCode: (r) => (r.ok ? 0 : 1),
});

export const statsCommand = defineCommand({
  name: 'stats',
  summary: 'Backup health: status, last success per tier, next runs, storage used, free disk, last verify and drill.',
  usage: 'stats',
  args: z.object({ positionals: noPositionals }),
  run: (ctx) => withApp(ctx, (app) => app.health(), BACKUPS_ONLY),
  print: (h) =>
    [
      `status:        ${h.status}${h.reasons.length ? '\n  - ' + h.reasons.join('\n  - ') : ''}`,
      `snapshots:     ${h.snapshotCount} (${formatBytes(h.totalStoredBytes)})`,
      `newest good:   ${h.newestGoodAt ? new Date(h.newestGoodAt).toISOString() : 'none'}`,
      `oldest:        ${h.oldestAt ? new Date(h.oldestAt).toISOString() : 'none'}`,
      `free disk:     ${h.freeBytes !== null ? formatBytes(h.freeBytes) : 'unknown'}`,
      `last verify:   ${h.lastVerify ? `${h.lastVerify.ok ? 'ok' : 'FAILED'} ${new Date(h.lastVerify.at).toISOString()}` : 'never'}`,
      `last drill:    ${h.lastDrill ? `${h.lastDrill.ok ? 'ok' : 'FAILED'} ${new Date(h.lastDrill.at).toISOString()}` : 'never'}`,
      `continuous:    ${describeContinuous(h.continuous)}`,
      'last success per tier:',
      ...Object.entries(h.lastSuccessByTier).map(
        ([t, at]) => `  ${t.padEnd(14)} ${at ? new Date(at).toISOString() : 'never'}`,
      ),
    ].join('\n'),
});

export const pruneCommand = defineCommand({
  name: 'prune',
  summary: 'Apply the retention rules; --dry-run lists what would go and why.',
  usage: 'prune [--dry-run]',
  options: { 'dry-run': { type: 'boolean', description: 'change nothing, only explain' } },
  args: z.object({ positionals: noPositionals, 'dry-run': z.boolean().optional() }),
  run: (ctx, a) => withApp(ctx, (app) => app.prune({ dryRun: a['dry-run'] === true })),
  print: (p) =>
    [
      ...p.decisions.map((d) => `${d.action === 'remove' ? 'remove' : 'keep  '}  ${d.id}  ${d.reasons.join('; ')}`),
      ...p.warnings.map((w) => `warning: ${w}`),
      `${p.remove.length} to remove, ${formatBytes(p.freedBytes)} freed.`,
      ...(p.continuous
        ? [
            `Continuous protection keeps every commit for ${p.continuous.keepAllHours} h, then one per minute for ${p.continuous.perMinuteDays} days: ` +
              `${p.continuous.filesMerged} files to merge, ${p.continuous.filesThinned} to thin, ${p.continuous.commitsFolded} commits folded, ` +
              `${p.continuous.generationsDropped} old ranges to drop${p.continuous.rebase ? ', the oldest part of the current range folded into a new base point' : ''}.`,
          ]
        : []),
    ].join('\n'),
});

export const snapshotExportCommand = defineCommand({
  name: 'snapshot export',
  summary: 'Write a snapshot out as a plain SQLite file that any SQLite tool opens.',
  usage: 'snapshot export ID --out FILE.db | snapshot export --at TIME --out FILE.db',
  options: {
    out: { type: 'string', description: 'where to write the .db file' },
    at: { type: 'string', description: 'the database as it was at TIME (continuous protection) instead of a snapshot' },
  },
  args: z
    .object({
      positionals: z.array(z.string().max(100)).max(1, 'only one snapshot id'),
      at: momentTextSchema.optional(),
      out: z.string({ error: '--out FILE is required' }).min(1),
    })
    .refine(
      (a) => (a.at ? a.positionals.length === 0 : a.positionals.length === 1),
      'give one snapshot ID, or --at TIME',
    ),
  run: (ctx, a) =>
    withApp(
      ctx,
      (app) => app.snapshots.exportPlain(a.at ? { at: momentOf(a.at, app.clock.now()) } : a.positionals[0]!, a.out),
      BACKUPS_ONLY,
    ),
  print: (r) =>
    `Wrote ${r.file} (${formatBytes(r.sizeBytes)})${r.resolvedAt ? `, as of the commit recorded at ${r.resolvedAt}` : ''}.`,
});

export const SNAPSHOT_COMMANDS = [
  backupCommand,
  listCommand,
  verifyCommand,
  restoreCommand,
  backupTestCommand,
  statsCommand,
  pruneCommand,
  snapshotExportCommand,
];

/** Already checked by momentTextSchema; relative times count back from now. */
function momentOf(text: string, now: number): number {
  return parseMoment(text, now)!;
}

function describeContinuous(c: HealthReport['continuous']): string {
  if (!c) return 'unknown';
  if (!c.enabled) return 'off';
  const upTo =
    c.protectedUpTo !== null
      ? `every commit up to ${new Date(c.protectedUpTo).toISOString()} is kept`
      : 'nothing recorded yet';
  const running = c.state === 'not-running' ? ' (shipping runs while the app or `strata serve` runs)' : ` (${c.state})`;
  const gap = c.lastGap ? `; last gap ${new Date(c.lastGap.at).toISOString()}: ${c.lastGap.reason}` : '; no gaps';
  return `${upTo}${running}${gap}`;
}
