import { z } from 'zod';
import { ERROR_CODES } from './error-codes';
import { tierSchema } from './tiers';

/**
 * Shapes shared by operations and events. Pure zod: the renderer imports this file, so no Node
 * modules here. Inputs are strict and bounded; outputs strip unknown keys so nothing the
 * renderer was not meant to see (such as file paths) crosses the bridge.
 */

// ---- identifiers ----------------------------------------------------------------------------

/** Session ids are UUIDs for new sessions; older or imported ones may be any short token. */
export const sessionIdSchema = z
  .string()
  .min(1, 'session id is required')
  .max(200, 'session id is too long')
  .regex(/^[\w.:-]+$/, 'session id may only contain letters, digits and . _ : -');

/** Snapshot ids name files in the backup store, so no separators and no dot-dot. */
export const snapshotIdSchema = z
  .string()
  .min(1, 'snapshot id is required')
  .max(200, 'snapshot id is too long')
  .regex(/^[A-Za-z0-9][\w.-]*$/, 'snapshot id may only contain letters, digits and . _ -')
  .refine((s) => !s.includes('..'), 'snapshot id may not contain ..');

/** A transfer id is 128 random bits as lowercase hex, handed out by the transport. Never a path. */
export const transferIdSchema = z
  .string()
  .regex(/^[0-9a-f]{32}$/, 'transfer id must be the 32-character id handed out by the app');

/** Lets the caller pick the id its progress events will carry, before the call returns. */
export const operationIdSchema = z
  .string()
  .min(1)
  .max(100, 'operation id is too long')
  .regex(/^[\w.:-]+$/, 'operation id may only contain letters, digits and . _ : -');

/** A file name as a person sees it (no folders): used for uploads and suggested save names. */
export const fileNameSchema = z
  .string()
  .min(1, 'file name is required')
  .max(255, 'file name is too long')
  .refine((s) => !/[/\\\0]/.test(s) && s !== '.' && s !== '..', 'file name may not contain a folder');

const count = z.number().int().min(0);
const epochMs = z.number().int();
const jsonObject = z.record(z.string(), z.unknown());

// ---- sessions -------------------------------------------------------------------------------

export const messageRoleSchema = z.enum(['system', 'user', 'assistant', 'tool']);

export const sessionSchema = z.object({
  id: z.string(),
  title: z.string(),
  model: z.string(),
  createdAt: epochMs,
  updatedAt: epochMs,
  promptTokens: count,
  completionTokens: count,
  totalTokens: count,
  costUsd: z.number(),
  starred: z.boolean(),
  metadata: jsonObject,
});

export const sessionSummarySchema = sessionSchema.extend({ messageCount: count });

export const messageSchema = z.object({
  id: z.string(),
  sessionId: z.string(),
  sequence: z.number().int(),
  role: messageRoleSchema,
  content: z.string(),
  tokenCount: count,
  createdAt: epochMs,
  metadata: jsonObject,
});

// ---- snapshots ------------------------------------------------------------------------------

export { TIERS, tierSchema } from './tiers';

/** damaged: the content is wrong. unchecked: the machine kept a check from running (a full disk, no permission). */
export const checkStatusSchema = z.enum(['ok', 'damaged', 'unchecked']);

const checkResultSchema = z.object({
  ok: z.boolean(),
  status: checkStatusSchema.optional(),
  at: z.string(),
  method: z.string(),
  problems: z.array(z.string()),
  durationMs: z.number().min(0).optional(),
});

/** The sidecar as the screens see it (file paths and fingerprints stay in main). */
export const snapshotSchema = z.object({
  formatVersion: z.number().int(),
  id: z.string(),
  tier: tierSchema,
  label: z.string().nullable(),
  pinned: z.boolean(),
  /** ISO time. */
  createdAt: z.string(),
  source: z.object({ sizeBytes: count, pageSize: count, pageCount: count }),
  stored: z.object({ sizeBytes: count, codec: z.string(), sha256: z.string() }),
  schemaVersion: z.number().int(),
  appVersion: z.string(),
  counts: z.record(z.string(), count),
  check: checkResultSchema,
  durationMs: z.number().min(0),
  lastVerify: checkResultSchema.nullable(),
  lastDrill: checkResultSchema.nullable(),
  /** Calendar tiers this point also stands for (a scheduled run that found nothing changed). */
  memberships: z.array(z.object({ tier: tierSchema, at: z.string() })).optional(),
  /** Its metadata was rebuilt from the stored data. */
  recovered: z.boolean().optional(),
  /** gzip: one compressed file of the earlier format; pages: a point in the deduplicated page store. */
  storage: z.enum(['gzip', 'pages']).optional(),
});

/** The page store's honest sizes: what all points hold, what is on disk, and how much is shared. */
export const storeStatsSchema = z.object({
  points: count,
  /** Sum of every point's database size. */
  logicalBytes: count,
  /** Packs, index and manifests on disk. */
  storedBytes: count,
  uniquePages: count,
  packs: count,
  /** logicalBytes / storedBytes. */
  dedupRatio: z.number().min(0),
  /** Stored bytes no point references: what a GC would free once they are past the grace period. */
  unreferencedBytes: count,
  perPoint: z.array(
    z.object({
      id: z.string(),
      logicalBytes: count,
      /** Bytes of objects no earlier point references. */
      addedBytes: count,
      /** Bytes only this point references: what deleting it frees. */
      freesBytes: count,
    }),
  ),
});

/** A snapshot that cannot be read as it should; listed with the reason, never silently dropped. */
export const damagedSnapshotSchema = z.object({
  id: z.string(),
  reason: z.string(),
  /** The stored data is still there; verifying it rebuilds the metadata. */
  recoverable: z.boolean(),
  tier: z.string().nullable(),
  createdAt: z.string().nullable(),
});

/** The one shape of a verify result: the engine's type is inferred from this. */
export const verifyResultSchema = z.object({
  id: z.string(),
  ok: z.boolean(),
  status: checkStatusSchema,
  problems: z.array(z.string()),
  /** ISO time. */
  checkedAt: z.string(),
  durationMs: z.number().min(0),
  /** The metadata was rebuilt from the stored file during this verify. */
  recovered: z.boolean().optional(),
});
export type VerifyResult = z.infer<typeof verifyResultSchema>;

export const drillResultSchema = verifyResultSchema.extend({ sessionsReadable: count });
export type DrillResult = z.infer<typeof drillResultSchema>;

/** The one shape of a restore result: the engine's type is inferred from this. */
export const restoreResultSchema = z.object({
  restoredFrom: z.string(),
  /** For a restore to a moment: when the commit it resolved to was recorded (ISO). */
  resolvedAt: z.string().optional(),
  preRestoreSnapshotId: z.string().nullable(),
  durationMs: z.number().min(0),
  /** Rows per table in the data now in place. */
  counts: z.record(z.string(), count),
  /** The schema the snapshot's data was migrated from before it replaced anything, if older. */
  migratedFrom: z.number().int().nullable(),
});
export type RestoreResult = z.infer<typeof restoreResultSchema>;

export const tableCountsSchema = z.record(z.string(), count);

// ---- health ---------------------------------------------------------------------------------

export const healthStatusSchema = z.enum(['ok', 'warning', 'error']);

export { healthReportSchema } from './health-schema';

// ---- backup configuration ---------------------------------------------------------------------

const keepCount = z.number().int().min(0).max(100_000);
const automaticTierFlags = {
  startup: z.boolean(),
  auto: z.boolean(),
  hourly: z.boolean(),
  daily: z.boolean(),
  weekly: z.boolean(),
};
const keepCounts = {
  startup: keepCount,
  auto: keepCount,
  hourly: keepCount,
  daily: keepCount,
  weekly: keepCount,
  manual: keepCount,
};
const retentionFields = {
  /** Automatic tiers older than this go; null means no age limit. */
  maxAgeDays: z.number().int().min(1).max(36_500).nullable(),
  /** Cap on all stored snapshots together; null for no cap. */
  maxTotalBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable(),
  /** Free-disk guard: keep at least max(minFreeBytes, minFreeRatio x disk size) free. */
  minFreeBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  minFreeRatio: z.number().min(0).max(0.9),
};
const configFields = {
  /** Master switch for scheduled snapshots (manual ones always work). */
  enabled: z.boolean(),
  autoIntervalMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60),
  /** Day of the weekly snapshot: 0 = Sunday ... 6 = Saturday, local time. */
  weeklyDay: z.number().int().min(0).max(6),
  /** Days between automatic restore drills; 0 turns them off. */
  drillIntervalDays: z.number().int().min(0).max(365),
  /** Every kept snapshot is re-read in full within this many days; 0 turns the rolling verify off. */
  verifyPeriodDays: z.number().int().min(0).max(3650),
};

export const backupConfigSchema = z.object({
  ...configFields,
  tiers: z.object(automaticTierFlags),
  retention: z.object({ keep: z.object(keepCounts), ...retentionFields }),
});

/** A partial change: only the fields given are changed. */
export const backupConfigPatchSchema = z.strictObject({
  enabled: configFields.enabled.optional(),
  autoIntervalMinutes: configFields.autoIntervalMinutes.optional(),
  weeklyDay: configFields.weeklyDay.optional(),
  drillIntervalDays: configFields.drillIntervalDays.optional(),
  verifyPeriodDays: configFields.verifyPeriodDays.optional(),
  tiers: z.strictObject(automaticTierFlags).partial().optional(),
  retention: z
    .strictObject({ keep: z.strictObject(keepCounts).partial().optional(), ...retentionFields })
    .partial()
    .optional(),
});

/** What retention would do now, newest first, with the reasons in words. */
export const prunePlanSchema = z.object({
  decisions: z.array(
    z.object({
      id: z.string(),
      tier: tierSchema,
      /** ms since epoch. */
      createdAt: epochMs,
      action: z.enum(['keep', 'remove']),
      reasons: z.array(z.string()),
    }),
  ),
  remove: z.array(z.string()),
  freedBytes: count,
  warnings: z.array(z.string()),
  diskGuard: z
    .object({ requiredFreeBytes: count, freeBytes: count, freeAfterBytes: z.number(), ok: z.boolean() })
    .nullable(),
  continuous: z
    .object({
      keepAllHours: count,
      perMinuteDays: count,
      filesMerged: count,
      filesThinned: count,
      commitsFolded: count,
      generationsDropped: count,
      rebase: z.boolean(),
    })
    .optional(),
});

// ---- transfers ------------------------------------------------------------------------------

export const transferSchema = z.object({ transferId: z.string(), fileName: z.string(), bytes: count });

export const settingsImportModeSchema = z.enum(['merge', 'replace']);

export const settingsChangeSchema = z.object({
  /** What kind of thing the change is about, such as "setting", "prompt", "favorite action". */
  kind: z.string(),
  key: z.string(),
  change: z.enum(['add', 'update', 'remove', 'unchanged']),
  secret: z.boolean(),
  /** Short readable forms of the values (secrets are never shown). */
  before: z.string().nullable(),
  after: z.string().nullable(),
});

export const settingsPreviewSchema = z.object({
  mode: settingsImportModeSchema,
  changes: z.array(settingsChangeSchema),
  summary: z.object({ add: count, update: count, remove: count, unchanged: count }),
  warnings: z.array(z.string()),
  /** Set when the file changes the backup schedule or retention (the values are rows in `changes`). */
  backup: z
    .object({
      /** Snapshots that exist now and that the imported retention would delete. */
      snapshotsDeleted: z.array(z.string()),
      /** importSettings then needs acceptBackupChanges: true. */
      confirmationRequired: z.boolean(),
    })
    .nullable(),
});

export const settingsImportResultSchema = z.object({
  mode: settingsImportModeSchema,
  summary: z.object({ add: count, update: count, remove: count, unchanged: count }),
  /** The pinned safety snapshot taken before the import, to undo it with a restore. */
  safetySnapshotId: z.string().nullable(),
});

// ---- errors ---------------------------------------------------------------------------------

/** A code this build does not know (a newer main process) still arrives, read as `internal`. */
export const errorPayloadSchema = z.object({ code: z.enum(ERROR_CODES).catch('internal'), message: z.string() });
