import type { z } from 'zod';
import type { ErrorCode } from './error-codes';
import type { OperationName, Operations } from './operations';
import type {
  backupConfigPatchSchema,
  backupConfigSchema,
  healthReportSchema,
  messageSchema,
  prunePlanSchema,
  sessionSchema,
  sessionSummarySchema,
  settingsChangeSchema,
  settingsImportResultSchema,
  settingsPreviewSchema,
  snapshotSchema,
  tierSchema,
  transferSchema,
} from './schemas';

export type { OperationName } from './operations';
export type { EventName, EventPayload, StrataEventMessage } from './events';

/** What a caller passes (optional fields may be left out). */
export type Input<N extends OperationName> = z.input<Operations[N]['input']>;
/** What a handler receives after validation. */
export type ParsedInput<N extends OperationName> = z.output<Operations[N]['input']>;
/** What the caller gets back. */
export type Output<N extends OperationName> = z.output<Operations[N]['output']>;

export type Session = z.output<typeof sessionSchema>;
export type SessionSummary = z.output<typeof sessionSummarySchema>;
export type Message = z.output<typeof messageSchema>;
export type Tier = z.output<typeof tierSchema>;
export type Snapshot = z.output<typeof snapshotSchema>;
export type HealthReport = z.output<typeof healthReportSchema>;
export type BackupConfig = z.output<typeof backupConfigSchema>;
export type BackupConfigPatch = z.output<typeof backupConfigPatchSchema>;
export type PrunePlan = z.output<typeof prunePlanSchema>;
export type Transfer = z.output<typeof transferSchema>;
export type SettingsChange = z.output<typeof settingsChangeSchema>;
export type SettingsPreview = z.output<typeof settingsPreviewSchema>;
export type SettingsImportResult = z.output<typeof settingsImportResultSchema>;
export type ProgressEvent = import('./events').EventPayload<'progress'>;
export type ErrorPayload = { code: ErrorCode; message: string };
export type { ErrorCode } from './error-codes';

export type ImportKind = 'archive' | 'settings';

/** File handling: native dialogs in Electron, upload and download in the browser host. */
export interface FilesApi {
  /** Lets the person pick a file; resolves null when they cancel. */
  chooseImport(kind: ImportKind): Promise<{ transferId: string; fileName: string } | null>;
  /** Hands over bytes the renderer already has (for example a dropped file). */
  upload(fileName: string, bytes: ArrayBuffer): Promise<Transfer>;
  /** Lets the person keep an export (save dialog or browser download). */
  save(transferId: string): Promise<{ saved: boolean }>;
}

/** What the Electron preload exposes as `window.strata`. */
export interface StrataBridge {
  ops: { [N in OperationName]: (input: Input<N>) => Promise<Output<N>> };
  onEvent(cb: (event: { name: string; payload: unknown }) => void): () => void;
  files: FilesApi;
}
