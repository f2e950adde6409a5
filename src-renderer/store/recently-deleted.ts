import { create } from 'zustand';
import { api } from '../api/client';
import { readableError, type ReadableError } from '../api/errors';
import type { Output } from '../api/types';
import { restoreSessions, type SessionRestoreResult } from './point';

export type DeletedSession = Output<'listRecentlyDeleted'>['sessions'][number];

/** The Sessions screen's "Recently deleted" panel: what recent points hold that is gone now. */
interface RecentlyDeletedState {
  open: boolean;
  loading: boolean;
  sessions: DeletedSession[] | null;
  error: ReadableError | null;
  restoring: string | null;
  restored: { title: string; result: SessionRestoreResult } | null;
  toggle(): void;
  load(): Promise<void>;
  restore(item: DeletedSession): Promise<void>;
}

export const useRecentlyDeleted = create<RecentlyDeletedState>()((set, get) => ({
  open: false,
  loading: false,
  sessions: null,
  error: null,
  restoring: null,
  restored: null,
  toggle() {
    const open = !get().open;
    set({ open, restored: null });
    if (open) void get().load();
  },
  async load() {
    set({ loading: true, error: null });
    try {
      const r = await api.call('listRecentlyDeleted', {});
      set({ sessions: r.sessions, loading: false });
    } catch (e) {
      set({ error: readableError(e), loading: false });
    }
  },
  async restore(item) {
    set({ restoring: item.sessionId, error: null, restored: null });
    try {
      const result = await restoreSessions(item.lastPoint.pointId, [item.sessionId], 'replace');
      set({ restored: { title: item.title, result } });
      await get().load();
    } catch (e) {
      set({ error: readableError(e) });
    } finally {
      set({ restoring: null });
    }
  },
}));
