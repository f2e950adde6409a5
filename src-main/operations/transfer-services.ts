import type { StrataDatabase } from '../db';
import { withProgress } from '../app/with-progress';
import type { StrataEvents } from '../app/events';
import { exportSessionArchive, importSessionArchive } from '../archives';
import {
  exportSettings,
  importSettings,
  previewSettingsImport,
  retentionCandidates,
  toContractPreview,
  type SnapshotListing,
} from '../settings-transfer';
import type { Output, SettingsImportResult, SettingsPreview } from '../contract/types';

/**
 * The archive and settings-file functions the handlers call (src-main/archives and
 * src-main/settings-transfer), behind one small interface so the handlers stay independent of
 * their exact signatures and tests can replace them.
 */
export interface TransferServices {
  sessionExportName(title: string, format: 'json' | 'md'): string;
  exportSession(job: {
    db: StrataDatabase;
    sessionId: string;
    format: 'json' | 'md';
    outFile: string;
    operationId: string;
    events: StrataEvents;
  }): Promise<void>;
  importArchive(job: {
    db: StrataDatabase;
    file: string;
    allowDuplicate: boolean;
    operationId: string;
    events: StrataEvents;
    /** Takes the safety snapshot once the archive has been checked, before anything is written; returns its id. */
    beforeWrite: () => Promise<string>;
  }): Promise<Output<'importArchive'>>;
  settingsExportName(): string;
  exportSettings(job: { db: StrataDatabase; includeSecrets: boolean; outFile: string }): Promise<void>;
  previewSettingsImport(job: {
    db: StrataDatabase;
    file: string;
    mode: 'merge' | 'replace';
    /** The snapshots there are now, to say which an imported retention would delete. */
    snapshots: readonly SnapshotListing[];
    now: number;
  }): Promise<SettingsPreview>;
  importSettings(job: {
    db: StrataDatabase;
    file: string;
    mode: 'merge' | 'replace';
    snapshots: readonly SnapshotListing[];
    now: number;
    acceptBackupChanges: boolean;
    /** Takes the safety snapshot once the file checked out and something will change; returns its id. */
    beforeWrite: () => Promise<string>;
  }): Promise<SettingsImportResult>;
}

/** "My chat: notes" -> "my-chat-notes". */
export function slugForFileName(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return slug || 'session';
}

export function createTransferServices(): TransferServices {
  return {
    sessionExportName: (title, format) =>
      `${slugForFileName(title)}.${format === 'md' ? 'md' : 'strata-session.json.gz'}`,
    // Both run in a worker thread on their own connection to the database file.
    exportSession: ({ db, sessionId, format, outFile, operationId, events }) =>
      withProgress(events, 'export', operationId, async (progress) => {
        const onProgress = (p: { phase: string; done: number; total: number }) => progress(p.phase, p.done, p.total);
        await exportSessionArchive(db.file, sessionId, outFile, { format, onProgress });
      }),
    importArchive: ({ db, file, allowDuplicate, operationId, events, beforeWrite }) =>
      withProgress(events, 'import', operationId, async (progress) => {
        const onProgress = (p: { phase: string; done: number; total: number }) => progress(p.phase, p.done, p.total);
        const r = await importSessionArchive(db.file, file, {
          allowDuplicate,
          onProgress,
          beforeImport: async () => {
            await beforeWrite();
          },
        });
        return { sessionId: r.sessionId, title: r.title, messageCount: r.messageCount };
      }),
    settingsExportName: () => `strata-settings-${new Date().toISOString().slice(0, 10)}.json`,
    exportSettings: async ({ db, includeSecrets, outFile }) => {
      exportSettings(db, outFile, { includeSecrets });
    },
    previewSettingsImport: async ({ db, file, mode, snapshots, now }) =>
      toContractPreview(
        db,
        previewSettingsImport(db, file, { mode, backup: { snapshots: retentionCandidates(snapshots), now } }),
        { snapshotsNow: snapshots.length },
      ),
    importSettings: async ({ db, file, mode, snapshots, now, acceptBackupChanges, beforeWrite }) => {
      let safetySnapshotId: string | null = null;
      const r = await importSettings(db, file, {
        mode,
        backup: { snapshots: retentionCandidates(snapshots), now },
        acceptBackupChanges,
        beforeImport: async () => {
          safetySnapshotId = await beforeWrite();
        },
      });
      const preview = toContractPreview(db, r);
      return { mode, summary: preview.summary, safetySnapshotId };
    },
  };
}
