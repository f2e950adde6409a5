import { create } from 'zustand';
import { api } from '../api/client';
import { readableError, type ReadableError } from '../api/errors';
import type { Output } from '../api/types';
import { withProgress } from './progress';
import { newOperationId } from './ui';

export type PointDiff = Output<'diffPoint'>;
export type SessionPlan = Output<'previewSessionRestore'>['sessions'];
export type SessionRestoreResult = Output<'restoreSessions'>;
export type UndoSessionRestoreResult = Output<'undoSessionRestore'>;

/**
 * Inside one point: its diff against now, a search, the sessions picked, the preview of a
 * restore of them, and its outcome. The point stays open on the main side while it is shown;
 * picking another or leaving the screen lets it go.
 */
interface PointState {
  pointId: string | null;
  diff: PointDiff | null;
  loading: boolean;
  error: ReadableError | null;
  search: string;
  /** Ids the search found in the point; null when there is no search. */
  found: Set<string> | null;
  selected: Set<string>;
  preview: SessionPlan | null;
  busy: boolean;
  restoreError: ReadableError | null;
  result: SessionRestoreResult | null;
  undone: UndoSessionRestoreResult | null;
  open(id: string | null): Promise<void>;
  refresh(): Promise<void>;
  setSearch(text: string): Promise<void>;
  toggle(id: string): void;
  selectAll(ids: string[], on: boolean): void;
  previewSelected(): Promise<void>;
  cancelPreview(): void;
  restoreSelected(mode: 'replace' | 'copy'): Promise<void>;
  undo(): Promise<void>;
}

let searchSeq = 0;

/** One restore of sessions from a point, with its progress entry (the Restore and Sessions screens both use it). */
export function restoreSessions(
  pointId: string,
  sessionIds: string[],
  mode: 'replace' | 'copy',
): Promise<SessionRestoreResult> {
  const operationId = newOperationId('session-restore');
  return withProgress(operationId, 'session-restore', () =>
    api.call('restoreSessions', { point: { snapshotId: pointId }, sessionIds, mode, operationId }),
  );
}

export const usePoint = create<PointState>()((set, get) => ({
  pointId: null,
  diff: null,
  loading: false,
  error: null,
  search: '',
  found: null,
  selected: new Set(),
  preview: null,
  busy: false,
  restoreError: null,
  result: null,
  undone: null,
  async open(id) {
    const previous = get().pointId;
    if (previous && previous !== id)
      void api.call('leavePoint', { point: { snapshotId: previous } }).catch(() => undefined);
    set({ pointId: id, diff: null, error: null, search: '', found: null, selected: new Set(), preview: null });
    if (id) await get().refresh();
  },
  async refresh() {
    const id = get().pointId;
    if (!id) return;
    set({ loading: true });
    const operationId = newOperationId('diff');
    try {
      const diff = await withProgress(operationId, 'diff', () =>
        api.call('diffPoint', { point: { snapshotId: id }, operationId }),
      );
      if (get().pointId === id) set({ diff, loading: false, error: null });
    } catch (e) {
      if (get().pointId === id) set({ error: readableError(e), loading: false });
    }
  },
  async setSearch(text) {
    const id = get().pointId;
    set({ search: text });
    const seq = ++searchSeq;
    if (!id || !text.trim()) {
      set({ found: null });
      return;
    }
    try {
      const r = await api.call('browsePoint', { point: { snapshotId: id }, search: text.trim() });
      if (seq === searchSeq) set({ found: new Set(r.sessions.map((s) => s.id)) });
    } catch (e) {
      if (seq === searchSeq) set({ error: readableError(e) });
    }
  },
  toggle(id) {
    const selected = new Set(get().selected);
    if (selected.has(id)) selected.delete(id);
    else selected.add(id);
    set({ selected });
  },
  selectAll(ids, on) {
    const selected = new Set(get().selected);
    for (const id of ids) {
      if (on) selected.add(id);
      else selected.delete(id);
    }
    set({ selected });
  },
  async previewSelected() {
    const id = get().pointId;
    const sessionIds = [...get().selected];
    if (!id || sessionIds.length === 0) return;
    set({ busy: true, restoreError: null, undone: null });
    try {
      const r = await api.call('previewSessionRestore', { point: { snapshotId: id }, sessionIds, mode: 'replace' });
      set({ preview: r.sessions, busy: false });
    } catch (e) {
      set({ restoreError: readableError(e), busy: false });
    }
  },
  cancelPreview() {
    set({ preview: null });
  },
  async restoreSelected(mode) {
    const id = get().pointId;
    const sessionIds = [...get().selected];
    if (!id || sessionIds.length === 0) return;
    set({ busy: true, restoreError: null, preview: null, undone: null });
    try {
      const result = await restoreSessions(id, sessionIds, mode);
      set({ result, selected: new Set() });
      await get().refresh();
    } catch (e) {
      set({ restoreError: readableError(e) });
    } finally {
      set({ busy: false });
    }
  },
  async undo() {
    set({ busy: true, restoreError: null });
    const operationId = newOperationId('undo-session-restore');
    try {
      const undone = await withProgress(operationId, 'undo-session-restore', () =>
        api.call('undoSessionRestore', { operationId }),
      );
      set({ undone, result: null });
      await get().refresh();
    } catch (e) {
      set({ restoreError: readableError(e) });
    } finally {
      set({ busy: false });
    }
  },
}));
