import { z } from 'zod';
import { defineCommand } from '../command';
import { withApp } from '../with-app';
import { wholeNumber } from './args';
import { snapshotIdSchema } from '../../contract/schemas';
import { momentTextSchema, parseMoment } from '../../contract/moment';
import { listPoints } from '../../app/points-listing';
import type { PointDiff, PointRef } from '../../point-browsing';

/**
 * Looking inside a point from the command line: browse, diff, bring back single sessions,
 * undo that, and the recently deleted list. Every command reads POINT through `pointArg`;
 * a moment in time (`--at TIME`, with continuous protection) becomes one more way to name a
 * point there, and every command here accepts it at once.
 */
export function pointArg(positional: string): PointRef {
  return { snapshotId: positional };
}

/** `--at TIME` names a moment of continuous protection instead of a snapshot id. */
const atOption = {
  at: { type: 'string' as const, description: 'a moment instead of a snapshot: ISO, local "YYYY-MM-DD HH:MM:SS", -5m' },
};

/** The point a command reads: the moment of --at, else its first positional (a snapshot id). */
function pointOf(a: { at?: string | undefined; positionals: readonly string[] }, now: number): PointRef {
  return a.at ? { at: parseMoment(a.at, now)! } : pointArg(a.positionals[0]!);
}

const pointPositional = snapshotIdSchema;
const onePoint = z
  .object({ positionals: z.array(pointPositional).max(1, 'give one point'), at: momentTextSchema.optional() })
  .refine((a) => (a.at ? a.positionals.length === 0 : a.positionals.length === 1), {
    message: 'give one point (a snapshot id), or --at TIME',
  });

const when = (ms: number | null) => (ms === null ? 'no messages' : new Date(ms).toISOString());

export function describeDiff(d: Omit<PointDiff, 'pointId'> & { point: { id: string; createdAt: string } }): string {
  const t = d.totals;
  const lines = [
    `Point ${d.point.id} (${d.point.createdAt}): ${t.point.sessions} sessions, ${t.point.messages} messages; now ${t.now.sessions} sessions, ${t.now.messages} messages.`,
    `Restoring the whole point would bring back ${t.deletedSince} deleted session(s), remove ${t.createdSince} created since, ` +
      `undo changes to ${t.changed}, and leave ${t.unchanged} unchanged.`,
  ];
  const list = (title: string, items: string[]) =>
    items.length ? [``, `${title}:`, ...items.map((i) => `  ${i}`)] : [];
  lines.push(
    ...list(
      'Deleted since (only in the point)',
      d.deletedSince.map((s) => `${s.id}  ${s.messageCount} msgs  ${when(s.lastMessageAt)}  ${s.title}`),
    ),
    ...list(
      'Created since (only now)',
      d.createdSince.map((s) => `${s.id}  ${s.messageCount} msgs  ${when(s.lastMessageAt)}  ${s.title}`),
    ),
    ...list(
      'Changed since',
      d.changed.map(
        (c) =>
          `${c.id}  ${c.titleChanged ? `"${c.point.title}" -> "${c.now.title}"` : c.now.title}  ` +
          `${c.point.messageCount} -> ${c.now.messageCount} msgs (+${c.messagesAdded} -${c.messagesRemoved} ~${c.messagesEdited})` +
          `${c.detailsChanged ? '  details changed' : ''}`,
      ),
    ),
    ...list(
      'Settings that differ',
      d.settings.map((s) => `${s.key}  ${s.change}${s.secret ? ' (secret)' : ''}`),
    ),
  );
  return lines.join('\n');
}

export const browseCommand = defineCommand({
  name: 'browse',
  summary: 'List the sessions in a point (read-only): id, title, message count, last message time.',
  usage: 'browse POINT [--search TEXT] [--limit N] | browse --at TIME [...]',
  options: {
    ...atOption,
    search: { type: 'string', description: 'only sessions whose title or messages contain TEXT' },
    limit: { type: 'string', description: 'at most N sessions' },
  },
  args: z
    .object({
      positionals: z.array(pointPositional).max(1, 'give one point'),
      at: momentTextSchema.optional(),
      search: z.string().trim().min(1).max(500).optional(),
      limit: wholeNumber('--limit', 1, 1_000_000).optional(),
    })
    .refine((a) => (a.at ? a.positionals.length === 0 : a.positionals.length === 1), {
      message: 'give one point (a snapshot id), or --at TIME',
    }),
  run: (ctx, a) =>
    withApp(
      ctx,
      (app) =>
        app.points.browse(pointOf(a, app.clock.now()), {
          ...(a.search ? { search: a.search } : {}),
          ...(a.limit !== undefined ? { limit: a.limit } : {}),
        }),
      { allowMissingDatabase: true },
    ),
  print: (r) =>
    [
      `Point ${r.point.id} (${r.point.createdAt})${r.point.migratedFrom !== null ? `, schema ${r.point.migratedFrom} read as ${r.point.schemaVersion}` : ''}: ${r.total} session(s).`,
      ...r.sessions.map(
        (s) => `${s.id}  ${String(s.messageCount).padStart(6)} msgs  ${when(s.lastMessageAt).padEnd(24)}  ${s.title}`,
      ),
    ].join('\n'),
});

export const diffCommand = defineCommand({
  name: 'diff',
  summary: 'What differs between a point and now: sessions deleted, created and changed since, settings, totals.',
  usage: 'diff POINT | diff --at TIME',
  options: atOption,
  args: onePoint,
  run: (ctx, a) => withApp(ctx, (app) => app.points.diff(pointOf(a, app.clock.now()))),
  print: describeDiff,
});

export const restoreSessionCommand = defineCommand({
  name: 'restore-session',
  summary:
    'Bring sessions back from a point, all or nothing, after a pinned safety snapshot; nothing else changes. --undo reverts the last one.',
  usage:
    'restore-session POINT SESSION_ID... --yes [--as-copy] | restore-session --at TIME SESSION_ID... --yes | restore-session --undo --yes',
  options: {
    ...atOption,
    yes: { type: 'boolean', description: 'confirm (the data as it was stays in a pinned safety snapshot)' },
    'as-copy': {
      type: 'boolean',
      description: 'keep the current version of a session that still exists, and add the old one as a copy',
    },
    undo: { type: 'boolean', description: 'undo the last session restore' },
  },
  args: z
    .object({
      positionals: z.array(z.string().max(200)),
      at: momentTextSchema.optional(),
      yes: z.boolean().optional(),
      'as-copy': z.boolean().optional(),
      undo: z.boolean().optional(),
    })
    .refine((a) => a.yes === true, 'add --yes to confirm')
    .refine(
      (a) => (a.undo ? a.positionals.length === 0 && !a['as-copy'] && !a.at : a.positionals.length >= (a.at ? 1 : 2)),
      { message: 'give a point (or --at TIME) and at least one session id, or --undo' },
    )
    .transform((a, c) => {
      if (a.undo) return { undo: true as const };
      const point = a.at
        ? { success: true as const, data: null, error: undefined }
        : pointPositional.safeParse(a.positionals[0]);
      const ids = z
        .array(z.string().regex(/^[\w.:-]+$/, 'session ids may only contain letters, digits and . _ : -'))
        .safeParse(a.positionals.slice(a.at ? 0 : 1));
      if (!point.success || !ids.success) {
        c.addIssue({ code: 'custom', message: (point.error ?? ids.error)!.issues[0]!.message });
        return z.NEVER;
      }
      return {
        undo: false as const,
        point: point.data,
        at: a.at,
        sessionIds: ids.data,
        mode: a['as-copy'] ? ('copy' as const) : ('replace' as const),
      };
    }),
  run: (ctx, a) =>
    withApp(ctx, async (app) =>
      a.undo
        ? { undo: true as const, ...(await app.points.undoSessionRestore()) }
        : {
            undo: false as const,
            ...(await app.points.restoreSessions(
              a.at ? { at: parseMoment(a.at, app.clock.now())! } : pointArg(a.point!),
              a.sessionIds,
              a.mode,
            )),
          },
    ),
  print: (r) =>
    r.undo
      ? `Undid the session restore from ${r.pointId}: removed ${r.removed.length} session(s)${r.removed.length ? ` (${r.removed.join(', ')})` : ''}, put back ${r.putBack.length}${r.putBack.length ? ` (${r.putBack.join(', ')})` : ''}. The data before the undo is kept in ${r.undoSafetySnapshotId}.`
      : [
          ...r.sessions.map(
            (s) =>
              `${s.action.padEnd(9)} ${s.liveSessionId}  ${s.messageCount} msgs  ${s.title}${s.liveSessionId !== s.sessionId ? `  (copy of ${s.sessionId})` : ''}`,
          ),
          r.safetySnapshotId
            ? `The data as it was is kept in ${r.safetySnapshotId}; 'strata restore-session --undo --yes' reverts this.`
            : 'Nothing needed restoring: those sessions are the same now as in the point.',
        ].join('\n'),
});

export const deletedCommand = defineCommand({
  name: 'deleted',
  summary: 'Recently deleted sessions: in recent points but not now, with the point that holds each.',
  usage: 'deleted [--days N]',
  options: { days: { type: 'string', description: 'look at points of the last N days (default 30)' } },
  args: z.object({
    positionals: z.array(z.string()).max(0, 'this command takes no arguments'),
    days: wholeNumber('--days', 1, 3650).optional(),
  }),
  run: (ctx, a) => withApp(ctx, (app) => app.points.recentlyDeleted(a.days !== undefined ? { days: a.days } : {})),
  print: (r) =>
    r.sessions.length === 0
      ? `No deleted sessions in the ${r.pointsExamined} point(s) since ${r.since}.`
      : [
          ...r.sessions.map(
            (s) =>
              `${s.sessionId}  ${s.messageCount} msgs  ${s.title}\n    deleted after ${s.lastPoint.pointId} (${s.lastPoint.at}) and before ${s.goneBy ? `${s.goneBy.pointId} (${s.goneBy.at})` : 'now'}` +
              `\n    strata restore-session ${s.lastPoint.pointId} ${s.sessionId} --yes`,
          ),
          ...(r.unreadable.length ? [`Could not read: ${r.unreadable.join(', ')}`] : []),
        ].join('\n'),
});

const iso = (ms: number) => new Date(ms).toISOString();

export const pointsCommand = defineCommand({
  name: 'points',
  summary:
    'What can be restored: every good snapshot (newest first) and the continuous ranges, with commits per minute.',
  usage: 'points',
  args: z.object({ positionals: z.array(z.string()).max(0, 'this command takes no arguments') }),
  run: (ctx) =>
    withApp(
      ctx,
      async (app) => {
        const listing = await listPoints(app);
        return {
          snapshots: listing.snapshots,
          continuous: listing.continuous.map((r) => ({
            ...r,
            from: iso(r.from),
            to: iso(r.to),
            perMinute: r.perMinute.map((m) => ({ minute: iso(m.minute), commits: m.commits })),
          })),
        };
      },
      { allowMissingDatabase: true },
    ),
  print: (r) => {
    const lines = r.snapshots.map(
      (p) => `${p.id}  ${p.at}  ${p.sessions} sessions, ${p.messages} messages${p.label ? `  "${p.label}"` : ''}`,
    );
    if (!lines.length) lines.push('No snapshots yet. Run `strata backup`.');
    if (r.continuous.length) {
      lines.push('', 'Continuous protection (restore to any second with `strata restore --at TIME --yes`):');
      for (const c of r.continuous)
        lines.push(`  ${c.from} .. ${c.to}  ${c.commits} commits  (started: ${c.startedBecause})`);
    }
    return lines.join('\n');
  },
});

export const POINT_COMMANDS = [pointsCommand, browseCommand, diffCommand, restoreSessionCommand, deletedCommand];
