import { create } from 'zustand';
import { api } from '../api/client';
import { readableError, type ReadableError } from '../api/errors';
import type { BackupConfig, BackupConfigPatch, ImportMode, PrunePlan, SettingsPreview, Transfer } from '../api/types';

interface PendingImport {
  transferId: string;
  fileName: string;
  mode: ImportMode;
  preview: SettingsPreview | null;
  loading: boolean;
}

interface SettingsState {
  config: BackupConfig | null;
  loadError: ReadableError | null;
  saving: boolean;
  saveError: ReadableError | null;
  prune: PrunePlan | null;
  exporting: boolean;
  lastExport: (Transfer & { saved: boolean }) | null;
  transferError: ReadableError | null;
  pending: PendingImport | null;
  applying: boolean;
  lastImport: { mode: ImportMode; summary: SettingsPreview['summary']; safetySnapshotId: string | null } | null;
  load(): Promise<void>;
  save(patch: BackupConfigPatch): Promise<boolean>;
  exportSettings(includeSecrets: boolean): Promise<void>;
  chooseImport(): Promise<void>;
  setMode(mode: ImportMode): Promise<void>;
  /** `acceptBackupChanges`: the person confirmed a backup retention that deletes snapshots. */
  applyImport(opts?: { acceptBackupChanges?: boolean }): Promise<void>;
  cancelImport(): void;
}

/** Orders config loads and saves: only the newest one's answer is shown. */
let configSeq = 0;

export const useSettings = create<SettingsState>()((set, get) => {
  async function loadPreview(transferId: string, fileName: string, mode: ImportMode) {
    set({ pending: { transferId, fileName, mode, preview: null, loading: true }, transferError: null });
    try {
      const preview = await api.call('previewSettingsImport', { transferId, mode });
      if (get().pending?.transferId === transferId)
        set({ pending: { transferId, fileName, mode, preview, loading: false } });
    } catch (e) {
      set({ pending: null, transferError: readableError(e) });
    }
  }

  return {
    config: null,
    loadError: null,
    saving: false,
    saveError: null,
    prune: null,
    exporting: false,
    lastExport: null,
    transferError: null,
    pending: null,
    applying: false,
    lastImport: null,
    async load() {
      const seq = ++configSeq;
      try {
        const [config, prune] = await Promise.all([
          api.call('getBackupConfig', {}),
          api.call('previewPrune', {}).catch(() => null),
        ]);
        // The prune preview waits behind running backup jobs: a newer load or save must not be overwritten by this older one.
        if (seq !== configSeq) return;
        set({ config, prune, loadError: null });
      } catch (e) {
        set({ loadError: readableError(e) });
      }
    },
    async save(patch) {
      ++configSeq;
      set({ saving: true, saveError: null });
      try {
        const config = await api.call('setBackupConfig', patch);
        const prune = await api.call('previewPrune', {}).catch(() => null);
        set({ config, prune });
        return true;
      } catch (e) {
        set({ saveError: readableError(e) });
        return false;
      } finally {
        set({ saving: false });
      }
    },
    async exportSettings(includeSecrets) {
      set({ exporting: true, transferError: null });
      try {
        const t = await api.call('exportSettings', { includeSecrets });
        const { saved } = await api.files.save(t.transferId);
        set({ lastExport: { ...t, saved } });
      } catch (e) {
        set({ transferError: readableError(e) });
      } finally {
        set({ exporting: false });
      }
    },
    async chooseImport() {
      set({ transferError: null, lastImport: null });
      try {
        const chosen = await api.files.chooseImport('settings');
        if (chosen) await loadPreview(chosen.transferId, chosen.fileName, 'merge');
      } catch (e) {
        set({ transferError: readableError(e) });
      }
    },
    async setMode(mode) {
      const p = get().pending;
      if (p && p.mode !== mode) await loadPreview(p.transferId, p.fileName, mode);
    },
    async applyImport(opts = {}) {
      const p = get().pending;
      if (!p) return;
      set({ applying: true, transferError: null });
      try {
        const r = await api.call('importSettings', {
          transferId: p.transferId,
          mode: p.mode,
          ...(opts.acceptBackupChanges ? { acceptBackupChanges: true } : {}),
        });
        set({ lastImport: r, pending: null });
        await get().load();
      } catch (e) {
        set({ transferError: readableError(e) });
      } finally {
        set({ applying: false });
      }
    },
    cancelImport: () => set({ pending: null }),
  };
});
