import { z } from 'zod';

/** Why a generation of continuous protection started (every cause but the first is a gap). */
export const GAP_REASONS = [
  'first-start',
  'wal-reset',
  'frames-missed',
  'foreign-checkpoint',
  'restored',
  'changed-while-closed',
  'shipper-error',
] as const;
export const gapReasonSchema = z.enum(GAP_REASONS);

const ms = z.number().int().min(0).max(8_640_000_000_000_000);

export const continuousRangeSchema = z.object({
  generation: z.string(),
  basePointId: z.string(),
  startedBecause: gapReasonSchema,
  from: ms,
  to: ms,
  commits: z.number().int().min(0),
  perMinute: z.array(z.object({ minute: ms, commits: z.number().int().min(0) })),
});
export type ContinuousRangeInfo = z.infer<typeof continuousRangeSchema>;

export const pointSummarySchema = z.object({
  id: z.string(),
  at: z.string(),
  tier: z.string(),
  label: z.string().nullable(),
  pinned: z.boolean(),
  sessions: z.number().int().min(0),
  messages: z.number().int().min(0),
});

/** Everything that can be restored: snapshots, newest first, and the continuous ranges, oldest first. */
export const pointsListingSchema = z.object({
  snapshots: z.array(pointSummarySchema),
  continuous: z.array(continuousRangeSchema),
});
export type PointsListing = z.infer<typeof pointsListingSchema>;

export const momentInputSchema = ms;

export const momentPreviewSchema = z.object({
  at: ms,
  /** When the commit the moment resolves to was recorded (the base point's time if none). */
  resolvedAt: ms,
  generation: z.string(),
  commits: z.number().int().min(0),
  counts: z.record(z.string(), z.number().int().min(0)),
});
export type MomentPreview = z.infer<typeof momentPreviewSchema>;

export const continuousHealthSchema = z.object({
  enabled: z.boolean(),
  state: z.enum(['starting', 'running', 'paused', 'error', 'closed', 'not-running']),
  /** Every commit up to this time is in the store. */
  protectedUpTo: ms.nullable(),
  secondsBehind: z.number().min(0).nullable(),
  lastGap: z.object({ at: ms, reason: gapReasonSchema, detail: z.string() }).nullable(),
  /** Every gap still on record, newest first (at most 20). */
  gaps: z.array(z.object({ at: ms, reason: gapReasonSchema, detail: z.string() })).optional(),
  error: z.string().nullable(),
});
export type ContinuousHealth = z.infer<typeof continuousHealthSchema>;
