import type { StrataDatabase } from '../db';
import type { StrataEvents } from '../app/events';
import { StrataError } from '../core/errors';

/**
 * The archive and settings-file functions the handlers call (issue 4's src-main/archives and
 * src-main/settings-transfer), behind one small interface so the handlers stay independent of
 * their exact signatures.
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
  }): Promise<{ sessionId: string; title: string; messageCount: number }>;
  settingsExportName(): string;
  exportSettings(job: { db: StrataDatabase; includeSecrets: boolean; outFile: string }): Promise<void>;
  previewSettingsImport(job: { db: StrataDatabase; file: string; mode: 'merge' | 'replace' }): Promise<unknown>;
  importSettings(job: {
    db: StrataDatabase;
    file: string;
    mode: 'merge' | 'replace';
    safetySnapshotId: string | null;
  }): Promise<unknown>;
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

const unavailable = (what: string) => () =>
  Promise.reject(new StrataError('unavailable', `${what} is not available in this build yet.`));

export function createTransferServices(): TransferServices {
  return {
    sessionExportName: (title, format) => `${slugForFileName(title)}.${format === 'md' ? 'md' : 'strata.json'}`,
    exportSession: unavailable('Session export'),
    importArchive: unavailable('Archive import'),
    settingsExportName: () => `strata-settings-${new Date().toISOString().slice(0, 10)}.json`,
    exportSettings: unavailable('Settings export'),
    previewSettingsImport: unavailable('Settings import'),
    importSettings: unavailable('Settings import'),
  };
}
