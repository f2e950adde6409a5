import { z } from 'zod';
import {
  backupConfigPatchSchema,
  backupConfigSchema,
  fileNameSchema,
  healthReportSchema,
  messageRoleSchema,
  messageSchema,
  operationIdSchema,
  prunePlanSchema,
  storeStatsSchema,
  restoreResultSchema,
  sessionIdSchema,
  sessionSchema,
  sessionSummarySchema,
  settingsImportModeSchema,
  settingsImportResultSchema,
  settingsPreviewSchema,
  snapshotIdSchema,
  snapshotSchema,
  damagedSnapshotSchema,
  tableCountsSchema,
  transferIdSchema,
  transferSchema,
  verifyResultSchema,
} from './schemas';
import {
  browsePointResultSchema,
  pointDiffSchema,
  pointRefSchema,
  recentlyDeletedSchema,
  sessionRestoreInputSchema,
  sessionRestorePreviewSchema,
  sessionRestoreResultSchema,
  undoSessionRestoreResultSchema,
} from './point-schemas';
import { momentInputSchema, momentPreviewSchema, pointsListingSchema } from './continuous-schemas';
import { OPERATION_NAME_LIST } from './operation-names';

/**
 * Every operation the renderer can ask for, defined once. The Electron IPC layer and the
 * headless host both derive their routes from this record; the renderer's client derives its
 * functions from it. Inputs are strict (unknown fields are refused) and bounded.
 */
interface OperationDef<I extends z.ZodType, O extends z.ZodType> {
  input: I;
  output: O;
  summary: string;
}

const op = <I extends z.ZodType, O extends z.ZodType>(summary: string, input: I, output: O): OperationDef<I, O> => ({
  input,
  output,
  summary,
});

const empty = z.strictObject({});
const withOperationId = { operationId: operationIdSchema.optional() };

/** Message bodies can be long (pasted code, transcripts) but not unbounded. */
export const MAX_MESSAGE_CHARS = 1_000_000;
export const MAX_TITLE_CHARS = 500;
export const MAX_LABEL_CHARS = 200;

export const OPERATIONS = {
  // ---- sessions ----
  listSessions: op(
    'List sessions, newest first, with message counts; optional title search.',
    z.strictObject({
      search: z.string().max(500, 'search text is too long').optional(),
      limit: z.number().int().min(1).max(10_000).optional(),
      offset: z.number().int().min(0).max(100_000_000).optional(),
    }),
    z.object({ sessions: z.array(sessionSummarySchema), totalSessions: z.number().int().min(0) }),
  ),
  getSession: op(
    'One session and its messages in order (paged with afterSequence and limit).',
    z.strictObject({
      sessionId: sessionIdSchema,
      afterSequence: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
      limit: z.number().int().min(1).max(10_000).optional(),
    }),
    z.object({ session: sessionSchema, messageCount: z.number().int().min(0), messages: z.array(messageSchema) }),
  ),
  createSession: op(
    'Create an empty session.',
    z.strictObject({
      title: z.string().trim().min(1, 'a title is required').max(MAX_TITLE_CHARS, 'the title is too long'),
      model: z.string().max(200, 'the model name is too long').optional(),
    }),
    sessionSchema,
  ),
  addMessage: op(
    'Append a message to a session.',
    z.strictObject({
      sessionId: sessionIdSchema,
      role: messageRoleSchema,
      content: z.string().max(MAX_MESSAGE_CHARS, 'the message is too long'),
      tokenCount: z.number().int().min(0).max(100_000_000).optional(),
    }),
    messageSchema,
  ),
  deleteSession: op(
    'Delete a session and its messages.',
    z.strictObject({ sessionId: sessionIdSchema }),
    z.object({ deleted: z.boolean() }),
  ),

  // ---- snapshots ----
  listSnapshots: op(
    'Every snapshot in the store, newest first, and the ones that cannot be read, with why.',
    empty,
    z.object({ snapshots: z.array(snapshotSchema), damaged: z.array(damagedSnapshotSchema) }),
  ),
  createSnapshot: op(
    'Back up now: a manual snapshot with an optional label.',
    z.strictObject({
      label: z.string().trim().max(MAX_LABEL_CHARS, 'the label is too long').optional(),
      ...withOperationId,
    }),
    snapshotSchema,
  ),
  verifySnapshot: op(
    'Verify a snapshot: checksum, decompression, integrity check and counts.',
    z.strictObject({ snapshotId: snapshotIdSchema, ...withOperationId }),
    verifyResultSchema,
  ),
  deleteSnapshot: op(
    'Delete a snapshot (pinned snapshots are refused).',
    z.strictObject({ snapshotId: snapshotIdSchema }),
    z.object({ deleted: z.boolean() }),
  ),
  compareSnapshot: op(
    'Rows per table in a snapshot next to the current data.',
    z.strictObject({ snapshotId: snapshotIdSchema }),
    z.object({ snapshot: tableCountsSchema, current: tableCountsSchema }),
  ),
  restoreSnapshot: op(
    'Replace the current data with a snapshot (a pre-restore snapshot is taken first).',
    z.strictObject({ snapshotId: snapshotIdSchema, ...withOperationId }),
    restoreResultSchema,
  ),
  undoRestore: op(
    'Put back the data as it was before the last restore.',
    z.strictObject(withOperationId),
    restoreResultSchema,
  ),
  listPoints: op(
    'What can be restored: good snapshots, and the continuous ranges with commits per minute.',
    empty,
    pointsListingSchema,
  ),
  previewMoment: op(
    'The record counts the database had after the last commit at or before a moment (ms).',
    z.strictObject({ at: momentInputSchema, ...withOperationId }),
    momentPreviewSchema,
  ),
  restoreToMoment: op(
    'Replace the current data with the database as it was at a moment (ms): every commit up to it, none after.',
    z.strictObject({ at: momentInputSchema, ...withOperationId }),
    restoreResultSchema,
  ),

  // ---- inside a point ----
  browsePoint: op(
    'Open a point read-only and list its sessions (id, title, message count, last message time); optional search in titles and messages.',
    z.strictObject({
      point: pointRefSchema,
      search: z.string().trim().min(1).max(500, 'search text is too long').optional(),
      limit: z.number().int().min(1).max(100_000).optional(),
      ...withOperationId,
    }),
    browsePointResultSchema,
  ),
  diffPoint: op(
    'What differs between a point and now: sessions deleted, created and changed since, settings, totals.',
    z.strictObject({ point: pointRefSchema, ...withOperationId }),
    pointDiffSchema,
  ),
  leavePoint: op(
    'Done looking at a point: its private copy is removed.',
    z.strictObject({ point: pointRefSchema }),
    z.object({ closed: z.boolean() }),
  ),
  previewSessionRestore: op(
    'What restoring these sessions from a point would do (nothing is changed).',
    sessionRestoreInputSchema,
    sessionRestorePreviewSchema,
  ),
  restoreSessions: op(
    'Bring chosen sessions back from a point, all or nothing, after a pinned safety snapshot; nothing else changes.',
    sessionRestoreInputSchema.extend(withOperationId),
    sessionRestoreResultSchema,
  ),
  undoSessionRestore: op(
    'Undo the last session restore: remove what it added, put back what it replaced.',
    z.strictObject(withOperationId),
    undoSessionRestoreResultSchema,
  ),
  listRecentlyDeleted: op(
    'Sessions that recent points hold but that are gone now, with the point to restore each from.',
    z.strictObject({ days: z.number().int().min(1).max(3650).optional(), ...withOperationId }),
    recentlyDeletedSchema,
  ),

  // ---- health and configuration ----
  getHealth: op('Whether the data is protected, and why not.', empty, healthReportSchema),
  getBackupConfig: op('Schedule and retention.', empty, backupConfigSchema),
  setBackupConfig: op(
    'Change schedule or retention; returns the new configuration.',
    backupConfigPatchSchema,
    backupConfigSchema,
  ),
  previewPrune: op('What retention would remove now, and why (nothing is removed).', empty, prunePlanSchema),
  getStoreStats: op(
    'Sizes of the deduplicated page store: logical, stored, unique pages, packs, dedup ratio, per point.',
    empty,
    storeStatsSchema,
  ),

  // ---- transfers ----
  exportSession: op(
    'Export one session as an archive (json) or Markdown; returns a transfer to save.',
    z.strictObject({ sessionId: sessionIdSchema, format: z.enum(['json', 'md']), ...withOperationId }),
    transferSchema,
  ),
  importArchive: op(
    'Import a session archive previously uploaded or chosen.',
    z.strictObject({ transferId: transferIdSchema, allowDuplicate: z.boolean(), ...withOperationId }),
    z.object({ sessionId: z.string(), title: z.string(), messageCount: z.number().int().min(0) }),
  ),
  exportSettings: op(
    'Export settings, prompts and favourite actions; secrets only when asked.',
    z.strictObject({ includeSecrets: z.boolean() }),
    transferSchema,
  ),
  previewSettingsImport: op(
    'What importing a settings file would change (nothing is changed).',
    z.strictObject({ transferId: transferIdSchema, mode: settingsImportModeSchema }),
    settingsPreviewSchema,
  ),
  importSettings: op(
    'Import a settings file (a safety snapshot is taken first).',
    z.strictObject({
      transferId: transferIdSchema,
      mode: settingsImportModeSchema,
      /** Required when the preview says backup.confirmationRequired: its retention deletes snapshots. */
      acceptBackupChanges: z.boolean().optional(),
    }),
    settingsImportResultSchema,
  ),
} as const;

export type Operations = typeof OPERATIONS;
export type OperationName = keyof Operations;

export const OPERATION_NAMES = Object.keys(OPERATIONS) as OperationName[];

// Compile-time check that the schema-free name list (used by the preload) matches OPERATIONS.
type ListedName = (typeof OPERATION_NAME_LIST)[number];
const _namesMatch: [OperationName] extends [ListedName]
  ? [ListedName] extends [OperationName]
    ? true
    : never
  : never = true;
void _namesMatch;

export function isOperationName(name: unknown): name is OperationName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(OPERATIONS, name);
}

/** Bounds the transports share. */
export const LIMITS = {
  /** JSON request bodies (an addMessage with a maximal message fits, with room). */
  maxJsonBodyBytes: 8 * 1024 * 1024,
  /** Uploaded archives and settings files. */
  maxUploadBytes: 2 * 1024 * 1024 * 1024,
  /**
   * A file dropped on the desktop window crosses IPC as one buffer held in memory on both
   * sides; bigger files go through the Import dialog, which streams from disk.
   */
  maxDroppedFileBytes: 256 * 1024 * 1024,
} as const;

export { fileNameSchema };
