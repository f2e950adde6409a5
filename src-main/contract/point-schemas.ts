import { z } from 'zod';
import { sessionIdSchema, snapshotIdSchema } from './schemas';

/**
 * Shapes for looking inside points: browse, diff, single-session restore and recently deleted.
 * Pure zod (the renderer imports it). A point is named by an object so that a moment in time
 * (`{ at }`, with continuous protection) can join `{ snapshotId }` without changing callers.
 */
const count = z.number().int().min(0);

/** A snapshot, or a moment of continuous protection (ms since the epoch). */
export const pointRefSchema = z.union([
  z.strictObject({ snapshotId: snapshotIdSchema }),
  z.strictObject({ at: z.number().int().min(0).max(8_640_000_000_000_000) }),
]);

export const pointInfoSchema = z.object({
  id: z.string(),
  /** ISO time. */
  createdAt: z.string(),
  schemaVersion: z.number().int(),
  /** The older schema the private copy was migrated from, or null. */
  migratedFrom: z.number().int().nullable(),
});

export const sessionBriefSchema = z.object({
  id: z.string(),
  title: z.string(),
  messageCount: count,
  /** Epoch ms of the newest message, or null for an empty session. */
  lastMessageAt: z.number().int().nullable(),
});

export const browsePointResultSchema = z.object({
  point: pointInfoSchema,
  sessions: z.array(sessionBriefSchema.extend({ inMessages: z.boolean().optional() })),
  total: count,
});

export const pointDiffSchema = z.object({
  point: pointInfoSchema,
  deletedSince: z.array(sessionBriefSchema),
  createdSince: z.array(sessionBriefSchema),
  changed: z.array(
    z.object({
      id: z.string(),
      point: sessionBriefSchema,
      now: sessionBriefSchema,
      titleChanged: z.boolean(),
      detailsChanged: z.boolean(),
      messagesEdited: count,
      messagesAdded: count,
      messagesRemoved: count,
    }),
  ),
  unchanged: z.array(sessionBriefSchema),
  /** Keys only: values stay in main (some are secrets). */
  settings: z.array(
    z.object({ key: z.string(), change: z.enum(['added', 'removed', 'changed']), secret: z.boolean() }),
  ),
  totals: z.object({
    point: z.object({ sessions: count, messages: count }),
    now: z.object({ sessions: count, messages: count }),
    deletedSince: count,
    createdSince: count,
    changed: count,
    unchanged: count,
    settingsChanged: count,
  }),
});

/** replace: the point's version overwrites the current one (kept for undo). copy: both stay. */
export const sessionRestoreModeSchema = z.enum(['replace', 'copy']);

export const sessionRestoreInputSchema = z.strictObject({
  point: pointRefSchema,
  sessionIds: z.array(sessionIdSchema).min(1, 'pick at least one session').max(10_000, 'too many sessions at once'),
  mode: sessionRestoreModeSchema,
});

const plannedSessionSchema = z.object({
  sessionId: z.string(),
  title: z.string(),
  messageCount: count,
  action: z.enum(['restored', 'replaced', 'copied', 'unchanged']),
});

export const sessionRestorePreviewSchema = z.object({ sessions: z.array(plannedSessionSchema) });

export const sessionRestoreResultSchema = z.object({
  pointId: z.string(),
  /** The pinned snapshot of the data as it was just before; null when nothing needed writing. */
  safetySnapshotId: z.string().nullable(),
  sessions: z.array(plannedSessionSchema.extend({ liveSessionId: z.string() })),
});

export const undoSessionRestoreResultSchema = z.object({
  pointId: z.string(),
  safetySnapshotId: z.string(),
  undoSafetySnapshotId: z.string(),
  removed: z.array(z.string()),
  putBack: z.array(z.string()),
});

const pointAtSchema = z.object({ pointId: z.string(), at: z.string() });

export const recentlyDeletedSchema = z.object({
  sessions: z.array(
    sessionBriefSchema.omit({ id: true }).extend({
      sessionId: z.string(),
      /** The newest point that still holds it: restore from here. */
      lastPoint: pointAtSchema,
      /** The next point, which no longer holds it; null: deleted after the newest point. */
      goneBy: pointAtSchema.nullable(),
    }),
  ),
  pointsExamined: count,
  since: z.string(),
  fromCache: z.boolean(),
  /** Points that could not be read (damaged); the view is computed from the rest. */
  unreadable: z.array(z.string()),
});
