import { create } from 'zustand';
import type { ProgressEvent } from '../api/types';

// Late events of work that already settled must not bring its bar back.
const ended = new Set<string>();

/** Running work by operation id, fed by progress events; placeholders show until the first event. */
interface ProgressState {
  running: Record<string, ProgressEvent>;
  begin(operationId: string, kind: string): void;
  update(e: ProgressEvent): void;
  end(operationId: string): void;
}

export const useProgress = create<ProgressState>()((set) => ({
  running: {},
  begin: (operationId, kind) =>
    set((s) => ({
      running: { ...s.running, [operationId]: { operationId, kind, phase: 'starting', done: 0, total: 0 } },
    })),
  update(e) {
    if (ended.has(e.operationId)) return;
    set((s) => {
      if (e.finished) {
        const { [e.operationId]: _gone, ...rest } = s.running;
        return { running: rest };
      }
      return { running: { ...s.running, [e.operationId]: e } };
    });
  },
  end: (operationId) =>
    set((s) => {
      ended.add(operationId);
      const { [operationId]: _gone, ...rest } = s.running;
      return { running: rest };
    }),
}));

/** Runs one operation with a progress entry from the click until it settles. */
export async function withProgress<T>(operationId: string, kind: string, run: () => Promise<T>): Promise<T> {
  const p = useProgress.getState();
  p.begin(operationId, kind);
  try {
    return await run();
  } finally {
    useProgress.getState().end(operationId);
  }
}
