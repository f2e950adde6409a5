import type { Output } from './api/types';

export type PointsListing = Output<'listPoints'>;
export type ContinuousRange = PointsListing['continuous'][number];
export type GapReason = ContinuousRange['startedBecause'];

/** Why a range of continuous protection began, in plain words. Every reason but the first is a gap. */
export const STARTED_BECAUSE: Record<GapReason, string> = {
  'first-start': 'Protection started',
  'wal-reset': 'Started again: the database log was reset',
  'frames-missed': 'Started again: some changes could not be read in time',
  'foreign-checkpoint': 'Started again: another program tidied the database log',
  restored: 'Started again after a restore',
  'changed-while-closed': 'Started again: the data changed while Strata was closed',
  'shipper-error': 'Started again after an error',
};

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** A moment (ms) as the value of an `<input type="datetime-local" step="1">`, in local time. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

const LOCAL_INPUT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * The picker's local value as a moment. A chosen second means the end of that second, so
 * "14:30:05" includes what was committed during it, as people read a clock.
 */
export function fromLocalInput(value: string): number | null {
  const m = LOCAL_INPUT.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const date = new Date(y!, mo! - 1, d!, h!, mi!, Number.isFinite(s) ? s! : 0, 999);
  if (date.getMonth() !== mo! - 1 || date.getDate() !== d!) return null;
  return date.getTime();
}

/** "1 Dec 2026, 14:30:05": times to the second, since a second is what can be restored. */
export function formatSecond(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function formatClock(ms: number): string {
  return new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/** The range a moment falls in: the last one that began at or before it (ranges run oldest first). */
export function rangeAt(ranges: ContinuousRange[], at: number): ContinuousRange | null {
  let found: ContinuousRange | null = null;
  for (const r of ranges) if (r.from <= at) found = r;
  return found;
}
