import { z } from 'zod';
import { defineCommand } from '../command';
import { withApp } from '../with-app';
import { noPositionals } from './args';
import { formatBytes } from '../../snapshots/retention';
import type { StrataApp } from '../../app/strata-app';
import type { VerifyResult } from '../../snapshots';
import type { PointVerdict } from '../../page-store';

/** `10%`, `10` or `2.5%`: a share of the packs, above 0 and at most 100. */
export const subsetPercent = z
  .string()
  .regex(/^\d+(\.\d+)?%?$/, '--subset takes a percentage such as 10%')
  .transform((s) => Number(s.replace('%', '')))
  .refine((n) => n > 0 && n <= 100, '--subset must be above 0% and at most 100%');

const BACKUPS_ONLY = { allowMissingDatabase: true } as const;

function problemsOf(v: PointVerdict): string[] {
  const listed = v.problems.map(
    (p) =>
      `${p.kind.replace('_', ' ')}${p.objectId ? ` ${p.objectId.slice(0, 12)}` : ''}` +
      `${p.packId ? ` in pack ${p.packId.slice(0, 12)}` : ''}: ${p.detail}`,
  );
  return v.moreProblems ? [...listed, `and ${v.moreProblems} more`] : listed;
}

/**
 * In the style of restic's `check --read-data`: every pack (or a seeded share) is read and each
 * object checked against its hash, so the report names exactly the points a damaged pack
 * affects. Then every point the objects found whole is re-assembled into a scratch file and
 * checked (integrity_check, counts); with a subset, only the newest one is.
 */
export async function readStoreData(
  app: StrataApp,
  subset: number | undefined,
): Promise<{ ok: boolean; results: VerifyResult[]; packsRead: number; packsDamaged: number }> {
  const started = Date.now();
  const report = await app.snapshots.verifyStore({
    readData: true,
    ...(subset !== undefined ? { subsetPercent: subset, subsetSeed: Math.floor(started / 86_400_000) } : {}),
  });
  const at = new Date(app.clock.now()).toISOString();
  const results: VerifyResult[] = [];
  const whole: string[] = [];
  for (const v of report.points) {
    if (v.ok) whole.push(v.id);
    else
      results.push({ id: v.id, ok: false, status: 'damaged', problems: problemsOf(v), checkedAt: at, durationMs: 0 });
  }
  const { entries } = app.snapshots.scan();
  const toAssemble = entries.filter((e) => (e.storage === 'pages' ? whole.includes(e.id) : subset === undefined));
  for (const e of subset === undefined ? toAssemble : toAssemble.slice(0, 1)) {
    results.push(await app.snapshots.verify(e.id));
  }
  const packsDamaged = report.packs.filter((p) => !p.ok).length;
  const ok = results.every((r) => r.ok) && packsDamaged === 0 && report.index.length === 0;
  return { ok, results, packsRead: report.packsRead, packsDamaged };
}

export const storeStatsCommand = defineCommand({
  name: 'store stats',
  summary: 'Page store sizes: logical bytes of all points, bytes stored, unique pages, packs, dedup ratio.',
  usage: 'store stats',
  args: z.object({ positionals: noPositionals }),
  run: (ctx) => withApp(ctx, (app) => app.snapshots.storeStats(), BACKUPS_ONLY),
  print: (s) =>
    [
      `points:        ${s.points}`,
      `logical size:  ${formatBytes(s.logicalBytes)}`,
      `stored:        ${formatBytes(s.storedBytes)}`,
      `unique pages:  ${s.uniquePages}`,
      `packs:         ${s.packs}`,
      `dedup ratio:   ${s.dedupRatio.toFixed(2)}x`,
      `unreferenced:  ${formatBytes(s.unreferencedBytes)} ('strata store gc' frees it)`,
    ].join('\n'),
});

export const storeGcCommand = defineCommand({
  name: 'store gc',
  summary: 'Free what no point references (packs younger than an hour stay); --dry-run says what it would free.',
  usage: 'store gc [--dry-run]',
  options: { 'dry-run': { type: 'boolean', description: 'change nothing, only say what would be freed' } },
  args: z.object({ positionals: noPositionals, 'dry-run': z.boolean().optional() }),
  run: (ctx, a) => withApp(ctx, (app) => app.snapshots.storeGc({ dryRun: a['dry-run'] === true }), BACKUPS_ONLY),
  print: (r) =>
    `${r.dryRun ? 'Would free' : 'Freed'} ${formatBytes(r.bytesFreed)}: ${r.packsDeleted} packs deleted, ` +
    `${r.packsRepacked} repacked${r.packsKeptYoung ? `, ${r.packsKeptYoung} too young to touch` : ''}.`,
});

export const STORE_COMMANDS = [storeStatsCommand, storeGcCommand];
