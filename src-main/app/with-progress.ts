import { toRendererErrorPayload } from '../core/errors';
import type { Progress } from '../core/worker-rpc';
import type { StrataEvents } from './events';

/**
 * The one progress frame every long operation uses (snapshots, restores, archive transfers):
 * phase events while it runs under one operation id, then one final event, done or failed with a
 * readable error.
 */
export async function withProgress<T>(
  events: StrataEvents,
  kind: string,
  operationId: string,
  fn: (progress: Progress) => Promise<T>,
): Promise<T> {
  const progress: Progress = (phase, done, total) => events.emit('progress', { operationId, kind, phase, done, total });
  try {
    const result = await fn(progress);
    events.emit('progress', { operationId, kind, phase: 'done', done: 1, total: 1, finished: true });
    return result;
  } catch (e) {
    events.emit('progress', {
      operationId,
      kind,
      phase: 'failed',
      done: 1,
      total: 1,
      finished: true,
      // Progress events go to the screens: readable, and without file locations.
      error: toRendererErrorPayload(e),
    });
    throw e;
  }
}
