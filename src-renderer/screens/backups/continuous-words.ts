import type { HealthReport } from '../../api/types';
import { formatRelative, plural } from '../../format';
import { formatSecond, STARTED_BECAUSE } from '../../moment-format';

export type Continuous = NonNullable<HealthReport['continuous']>;

/** Shipping this far behind is what health warns about (the host uses the same figure). */
export const LAG_WARNING_SECONDS = 10;

/** How far back everything is safe, as of `now`: the report's lag plus the time since it was made. */
export function secondsAgo(c: Continuous, checkedAt: number, now: number): number {
  return Math.max(0, Math.round((c.secondsBehind ?? 0) + Math.max(0, now - checkedAt) / 1000));
}

/** The state of continuous protection in one sentence, and whether it deserves a warning. */
export function stateLine(c: Continuous, checkedAt: number, now: number): { text: string; warn: boolean } {
  if (!c.enabled) return { text: 'Off. Backups still run on their schedule.', warn: false };
  switch (c.state) {
    case 'running': {
      const n = secondsAgo(c, checkedAt, now);
      return {
        text: n === 0 ? 'Protected up to less than a second ago.' : `Protected up to ${plural(n, 'second')} ago.`,
        warn: n > LAG_WARNING_SECONDS,
      };
    }
    case 'starting':
      return { text: 'Starting: taking a full copy to build on.', warn: false };
    case 'paused':
      return { text: 'Paused while a restore runs; changes are kept and recorded when it resumes.', warn: false };
    case 'error':
    case 'closed':
      return { text: `Stopped${c.error ? `: ${c.error}` : ''}. Snapshots still run.`, warn: true };
    case 'not-running':
      return {
        text:
          c.protectedUpTo !== null
            ? `Not running here. The last change was recorded ${formatRelative(c.protectedUpTo, now)}.`
            : 'Not running here.',
        warn: false,
      };
  }
}

/** The last gap in words: when, and why. The host's detail is added when it says more than the reason. */
export function gapLine(c: Continuous): string {
  const g = c.lastGap;
  if (!g) return 'No gaps: every change since protection started is recorded.';
  const words = STARTED_BECAUSE[g.reason] ?? g.reason;
  const extra = g.reason !== 'restored' && g.detail ? ` ${g.detail}` : '';
  return `Last gap: ${formatSecond(g.at)}. ${words}.${extra}`;
}
