import { toRendererErrorPayload } from '../core/errors';
import type { StrataEvents } from '../app/events';

export type ReportProgress = (phase: string, done: number, total: number) => void;

/** Progress events for one run (browse, diff, session restore...), then one final event: done, or failed with a readable error. */
export async function withProgressFrame<T>(
  events: StrataEvents,
  kind: string,
  operationId: string,
  fn: (progress: ReportProgress) => Promise<T>,
): Promise<T> {
  try {
    const r = await fn((phase, done, total) => events.emit('progress', { operationId, kind, phase, done, total }));
    events.emit('progress', { operationId, kind, phase: 'done', done: 1, total: 1, finished: true });
    return r;
  } catch (e) {
    const error = toRendererErrorPayload(e);
    events.emit('progress', { operationId, kind, phase: 'failed', done: 1, total: 1, finished: true, error });
    throw e;
  }
}
