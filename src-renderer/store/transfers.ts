import { create } from 'zustand';
import { LIMITS } from '../../src-main/contract/operations';
import { api } from '../api/client';
import { readableError, type ReadableError } from '../api/errors';
import type { Transfer } from '../api/types';
import { withProgress } from './progress';
import { newOperationId } from './ui';

export type ExportFormat = 'json' | 'md';

interface ImportedSession {
  sessionId: string;
  title: string;
  messageCount: number;
}

interface TransfersState {
  exporting: boolean;
  importing: boolean;
  lastExport: (Transfer & { saved: boolean; sessionId: string }) | null;
  lastImport: ImportedSession | null;
  error: ReadableError | null;
  exportError: ReadableError | null;
  /** An archive that matches a session already here, waiting for "Import anyway" or "Cancel". */
  duplicate: { transferId: string; fileName: string; message: string } | null;
  exportSession(sessionId: string, format: ExportFormat): Promise<void>;
  importChosen(): Promise<ImportedSession | null>;
  importDropped(file: File): Promise<ImportedSession | null>;
  importAnyway(): Promise<ImportedSession | null>;
  dismiss(): void;
}

function isDuplicate(err: ReadableError): boolean {
  return err.code === 'duplicate_archive';
}

export const useTransfers = create<TransfersState>()((set, get) => {
  async function runImport(transferId: string, fileName: string, allowDuplicate: boolean) {
    const operationId = newOperationId('import');
    set({ importing: true, error: null, duplicate: null });
    try {
      const r = await withProgress(operationId, 'import', () =>
        api.call('importArchive', { transferId, allowDuplicate, operationId }),
      );
      set({ lastImport: r, importing: false });
      return r;
    } catch (e) {
      const err = readableError(e);
      // The first sentence names the session it matches; the rest is advice for the CLI.
      const first = /^.*?\)\./.exec(err.message)?.[0] ?? err.message;
      if (!allowDuplicate && isDuplicate(err)) set({ duplicate: { transferId, fileName, message: first } });
      else set({ error: err });
      set({ importing: false });
      return null;
    }
  }

  return {
    exporting: false,
    importing: false,
    lastExport: null,
    lastImport: null,
    error: null,
    exportError: null,
    duplicate: null,
    async exportSession(sessionId, format) {
      const operationId = newOperationId('export');
      set({ exporting: true, exportError: null, lastExport: null });
      try {
        const t = await withProgress(operationId, 'export', () =>
          api.call('exportSession', { sessionId, format, operationId }),
        );
        const { saved } = await api.files.save(t.transferId);
        set({ lastExport: { ...t, saved, sessionId } });
      } catch (e) {
        set({ exportError: readableError(e) });
      } finally {
        set({ exporting: false });
      }
    },
    async importChosen() {
      set({ error: null });
      try {
        const chosen = await api.files.chooseImport('archive');
        if (!chosen) return null;
        return await runImport(chosen.transferId, chosen.fileName, false);
      } catch (e) {
        set({ error: readableError(e), importing: false });
        return null;
      }
    },
    async importDropped(file) {
      set({ error: null, importing: true });
      try {
        if (file.size > LIMITS.maxDroppedFileBytes) {
          throw new Error('This file is too big to drop here. Use Import archive to choose it instead.');
        }
        const t = await api.files.upload(file.name, await file.arrayBuffer());
        return await runImport(t.transferId, t.fileName, false);
      } catch (e) {
        set({ error: readableError(e), importing: false });
        return null;
      }
    },
    async importAnyway() {
      const d = get().duplicate;
      if (!d) return null;
      return runImport(d.transferId, d.fileName, true);
    },
    dismiss: () => set({ error: null, duplicate: null, lastImport: null, lastExport: null }),
  };
});
