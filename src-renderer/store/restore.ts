import { create } from 'zustand';
import { api } from '../api/client';
import { readableError, type ReadableError } from '../api/errors';
import type { RestoreResult } from '../api/types';
import { withProgress } from './progress';
import { newOperationId } from './ui';

type Phase = 'idle' | 'comparing' | 'ready' | 'restoring' | 'undoing' | 'done' | 'undone';

interface RestoreState {
  snapshotId: string | null;
  comparison: { snapshot: Record<string, number>; current: Record<string, number> } | null;
  phase: Phase;
  error: ReadableError | null;
  undoError: ReadableError | null;
  result: RestoreResult | null;
  /** The last restore of this window can be undone until something else replaces it. */
  canUndo: boolean;
  pick(id: string | null): Promise<void>;
  refreshComparison(): Promise<void>;
  restore(): Promise<void>;
  /** Restores the data as it was at a moment (ms); rejects with the host's error so the caller can show it. */
  restoreAt(at: number): Promise<void>;
  undo(): Promise<void>;
}

export const useRestore = create<RestoreState>()((set, get) => ({
  snapshotId: null,
  comparison: null,
  phase: 'idle',
  error: null,
  undoError: null,
  result: null,
  canUndo: false,
  async pick(id) {
    set({ snapshotId: id, comparison: null, error: null, phase: id ? 'comparing' : 'idle' });
    if (id) await get().refreshComparison();
  },
  async refreshComparison() {
    const id = get().snapshotId;
    if (!id) return;
    try {
      const comparison = await api.call('compareSnapshot', { snapshotId: id });
      if (get().snapshotId !== id) return;
      const phase = get().phase;
      set({ comparison, phase: phase === 'comparing' ? 'ready' : phase });
    } catch (e) {
      if (get().snapshotId === id) set({ error: readableError(e), phase: 'idle' });
    }
  },
  async restore() {
    const id = get().snapshotId;
    if (!id) return;
    const operationId = newOperationId('restore');
    set({ phase: 'restoring', error: null, undoError: null, result: null });
    try {
      const result = await withProgress(operationId, 'restore', () =>
        api.call('restoreSnapshot', { snapshotId: id, operationId }),
      );
      set({ result, phase: 'done', canUndo: true });
      await get().refreshComparison();
    } catch (e) {
      set({ error: readableError(e), phase: 'ready' });
    }
  },
  async restoreAt(at) {
    const operationId = newOperationId('restore');
    const before = get().phase;
    set({ phase: 'restoring', error: null, undoError: null, result: null });
    try {
      const result = await withProgress(operationId, 'restore', () => api.call('restoreToMoment', { at, operationId }));
      set({ result, phase: 'done', canUndo: true });
      await get().refreshComparison();
    } catch (e) {
      set({ phase: before === 'done' || before === 'undone' ? 'idle' : before });
      throw e;
    }
  },
  async undo() {
    const operationId = newOperationId('undo-restore');
    const before = get().phase;
    set({ phase: 'undoing', undoError: null });
    try {
      const result = await withProgress(operationId, 'undo-restore', () => api.call('undoRestore', { operationId }));
      set({ result, phase: 'undone', canUndo: false });
      await get().refreshComparison();
    } catch (e) {
      set({ undoError: readableError(e), phase: before });
    }
  },
}));
