import { toRendererErrorPayload } from '../core/errors';
import type { StrataEvents } from '../app/events';
import type { ProgressKind } from './engine-types';
import type { Progress } from './materialise-job';

/** The one progress frame every engine job uses: phase events while it runs, one final event. */
export async function withProgress<T>(
  events: StrataEvents,
  kind: ProgressKind,
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
