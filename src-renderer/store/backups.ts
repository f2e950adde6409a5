import { create } from 'zustand';
import { api } from '../api/client';
import { readableError, type ReadableError } from '../api/errors';
import type { HealthReport, Output, Snapshot, VerifyResult } from '../api/types';

export type DamagedSnapshot = Output<'listSnapshots'>['damaged'][number];
import { withProgress } from './progress';
import { newOperationId } from './ui';

interface BackupsState {
  health: HealthReport | null;
  snapshots: Snapshot[];
  /** Snapshots that cannot be read, with why; never left out of the list silently. */
  damaged: DamagedSnapshot[];
  loaded: boolean;
  error: ReadableError | null;
  /** Ids of snapshots being verified or deleted, and whether a backup is running. */
  verifying: Record<string, boolean>;
  backingUp: boolean;
  lastVerify: Record<string, VerifyResult>;
  load(): Promise<void>;
  setHealth(h: HealthReport): void;
  /** Reads health alone: cheap enough to repeat while its "seconds ago" is on screen. */
  refreshHealth(): Promise<void>;
  backUpNow(label: string): Promise<Snapshot>;
  verify(id: string): Promise<VerifyResult>;
  remove(id: string): Promise<void>;
}

export const useBackups = create<BackupsState>()((set, get) => ({
  health: null,
  snapshots: [],
  damaged: [],
  loaded: false,
  error: null,
  verifying: {},
  backingUp: false,
  lastVerify: {},
  async load() {
    try {
      const [health, list] = await Promise.all([api.call('getHealth', {}), api.call('listSnapshots', {})]);
      set({ health, snapshots: list.snapshots, damaged: list.damaged, loaded: true, error: null });
    } catch (e) {
      set({ error: readableError(e), loaded: true });
    }
  },
  setHealth: (health) => set({ health }),
  async refreshHealth() {
    try {
      set({ health: await api.call('getHealth', {}) });
    } catch {
      // The next full load reports it; a missed refresh only leaves the figure a little older.
    }
  },
  async backUpNow(label) {
    const operationId = newOperationId('snapshot');
    set({ backingUp: true });
    try {
      const trimmed = label.trim();
      const snap = await withProgress(operationId, 'snapshot', () =>
        api.call('createSnapshot', { ...(trimmed ? { label: trimmed } : {}), operationId }),
      );
      await get().load();
      return snap;
    } finally {
      set({ backingUp: false });
    }
  },
  async verify(id) {
    const operationId = newOperationId('verify');
    set((s) => ({ verifying: { ...s.verifying, [id]: true } }));
    try {
      const r = await withProgress(operationId, 'verify', () =>
        api.call('verifySnapshot', { snapshotId: id, operationId }),
      );
      set((s) => ({ lastVerify: { ...s.lastVerify, [id]: r } }));
      await get().load();
      return r;
    } finally {
      set((s) => {
        const { [id]: _done, ...rest } = s.verifying;
        return { verifying: rest };
      });
    }
  },
  async remove(id) {
    await api.call('deleteSnapshot', { snapshotId: id });
    await get().load();
  },
}));
