import { create } from 'zustand';
import { api } from '../api/client';
import { readableError, type ReadableError } from '../api/errors';
import type { Message, Session, SessionSummary } from '../api/types';

interface OpenSession {
  session: Session;
  messages: Message[];
  messageCount: number;
}

interface SessionsState {
  search: string;
  sessions: SessionSummary[];
  totalSessions: number;
  loading: boolean;
  error: ReadableError | null;
  selectedId: string | null;
  open: OpenSession | null;
  openError: ReadableError | null;
  setSearch(search: string): void;
  load(): Promise<void>;
  select(id: string | null): Promise<void>;
  create(title: string): Promise<Session>;
  addMessage(role: Message['role'], content: string): Promise<void>;
  remove(id: string): Promise<void>;
}

/** A long session shows its first page; the view says how many more there are. */
const MESSAGE_PAGE = 500;

let loadSeq = 0;

export const useSessions = create<SessionsState>()((set, get) => ({
  search: '',
  sessions: [],
  totalSessions: 0,
  loading: false,
  error: null,
  selectedId: null,
  open: null,
  openError: null,
  setSearch(search) {
    set({ search });
    void get().load();
  },
  async load() {
    const seq = ++loadSeq;
    set({ loading: true });
    try {
      const search = get().search.trim();
      const r = await api.call('listSessions', { ...(search ? { search } : {}), limit: 1000 });
      if (seq !== loadSeq) return; // a newer search already answered
      set({ sessions: r.sessions, totalSessions: r.totalSessions, loading: false, error: null });
      const sel = get().selectedId;
      if (sel) await get().select(sel);
    } catch (e) {
      if (seq === loadSeq) set({ loading: false, error: readableError(e) });
    }
  },
  async select(id) {
    set({ selectedId: id, openError: null });
    if (!id) {
      set({ open: null });
      return;
    }
    try {
      const r = await api.call('getSession', { sessionId: id, limit: MESSAGE_PAGE });
      if (get().selectedId === id) set({ open: r });
    } catch (e) {
      const err = readableError(e);
      if (get().selectedId !== id) return;
      // Gone after a restore or a delete elsewhere: close it quietly.
      if (err.code === 'not_found') set({ selectedId: null, open: null });
      else set({ openError: err });
    }
  },
  async create(title) {
    const s = await api.call('createSession', { title });
    set({ search: '' });
    await get().load();
    await get().select(s.id);
    return s;
  },
  async addMessage(role, content) {
    const id = get().selectedId;
    if (!id) return;
    await api.call('addMessage', { sessionId: id, role, content });
    await get().load();
  },
  async remove(id) {
    await api.call('deleteSession', { sessionId: id });
    if (get().selectedId === id) set({ selectedId: null, open: null });
    await get().load();
  },
}));
