/**
 * Which point a browse, diff or restore reads: a stored snapshot, or a moment of continuous
 * protection (ms). A moment resolves to an id of its own here and nowhere else, so every caller
 * gains it at once. A moment in the future is read as now: the state at a time already past
 * cannot change any more, so what is cached under its id stays true.
 */
export type PointRef = string | { snapshotId: string } | { at: number };

export const MOMENT_ID_PREFIX = 'at-';

export function resolvePoint(ref: PointRef, now = Date.now()): string {
  if (typeof ref === 'string') return ref;
  if ('snapshotId' in ref) return ref.snapshotId;
  return `${MOMENT_ID_PREFIX}${Math.min(ref.at, now)}`;
}

/** The moment an id names, or null for a snapshot id. */
export function momentOfId(id: string): number | null {
  if (!id.startsWith(MOMENT_ID_PREFIX)) return null;
  const ms = Number(id.slice(MOMENT_ID_PREFIX.length));
  return Number.isSafeInteger(ms) && ms >= 0 ? ms : null;
}
