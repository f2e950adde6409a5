import { StrataError, isStrataError } from '../core/errors';
import type { Logger } from '../core/logger';
import type { SnapshotEntry, VerifyResult } from '../snapshots';

const DAY_MS = 86_400_000;

/** When a snapshot's stored bytes were last read back in full: its creation, a verify or a drill. */
export function lastReadAt(s: Pick<SnapshotEntry, 'createdAt' | 'lastVerify' | 'lastDrill'>): number {
  return Math.max(
    Date.parse(s.createdAt),
    s.lastVerify ? Date.parse(s.lastVerify.at) : -Infinity,
    s.lastDrill ? Date.parse(s.lastDrill.at) : -Infinity,
  );
}

export interface VerifyCandidate {
  id: string;
  lastReadAt: number;
}

export interface PickOptions {
  now: number;
  /** Every kept snapshot is read back within this period. */
  periodMs: number;
  /** How often the rolling verify runs (a day). */
  runEveryMs: number;
}

/**
 * Which snapshots today's run reads back, in the manner of restic's `check --read-data-subset`:
 * every snapshot that would pass the period before the run after next (so one missed or late run
 * still keeps the promise), topped up to an even daily share (all kept snapshots divided by the
 * runs in one period), oldest read first. A snapshot read within the last run interval is left alone.
 * One run reads at most twice the share (at least 8): jobs run one at a time, so catching up on
 * years of unverified snapshots in one go would hold back the snapshots themselves. Health says
 * so meanwhile.
 */
export function pickSnapshotsToVerify(candidates: VerifyCandidate[], opts: PickOptions): string[] {
  const { now, periodMs, runEveryMs } = opts;
  if (periodMs <= 0 || candidates.length === 0) return [];
  const oldestFirst = [...candidates].sort((a, b) => a.lastReadAt - b.lastReadAt || (a.id < b.id ? -1 : 1));
  const share = Math.ceil((candidates.length * runEveryMs) / periodMs);
  const picked: string[] = [];
  for (const c of oldestFirst) {
    const due = c.lastReadAt + periodMs <= now + 2 * runEveryMs;
    const stale = now - c.lastReadAt >= runEveryMs;
    if (due || (stale && picked.length < share)) picked.push(c.id);
  }
  return picked.slice(0, Math.max(2 * share, MIN_PER_RUN_CAP));
}

const MIN_PER_RUN_CAP = 8;

export interface RollingVerifyDeps {
  list(): Promise<SnapshotEntry[]>;
  verify(id: string): Promise<VerifyResult>;
  now(): number;
  periodDays(): number;
  logger: Logger;
}

/**
 * One day's share of the rolling verify. A snapshot found damaged is recorded in its sidecar and
 * shown by health; it does not fail the job. A verify that could not run (the environment failed)
 * fails the job after the others were tried, so the scheduler retries it.
 */
export async function runRollingVerify(deps: RollingVerifyDeps, signal: AbortSignal): Promise<'done' | 'skipped'> {
  const list = await deps.list();
  const ids = pickSnapshotsToVerify(
    list.map((s) => ({ id: s.id, lastReadAt: lastReadAt(s) })),
    { now: deps.now(), periodMs: deps.periodDays() * DAY_MS, runEveryMs: DAY_MS },
  );
  if (ids.length === 0) return 'skipped';
  let firstError: unknown = null;
  const damaged: string[] = [];
  for (const id of ids) {
    if (signal.aborted) throw new StrataError('interrupted', 'The rolling verify stopped early for a pause.');
    try {
      const r = await deps.verify(id);
      if (!r.ok) damaged.push(id);
    } catch (e) {
      // Pruned between the listing and its turn: nothing left to check. Still listed: a real problem.
      if (isStrataError(e) && e.code === 'not_found' && !(await deps.list()).some((s) => s.id === id)) continue;
      firstError ??= e;
    }
  }
  if (damaged.length) deps.logger.warn('the rolling verify found damaged snapshots', { damaged });
  if (firstError) throw firstError;
  return 'done';
}
