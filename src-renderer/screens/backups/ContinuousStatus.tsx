import { useEffect, useState } from 'react';
import type { HealthReport } from '../../api/types';
import { formatRelative, plural } from '../../format';
import { formatSecond, STARTED_BECAUSE } from '../../moment-format';
import { useBackups } from '../../store/backups';

type Continuous = NonNullable<HealthReport['continuous']>;

/** Shipping this far behind is what health warns about; the line turns to a warning with it. */
const LAG_WARNING_SECONDS = 10;
/** How often the report is read again while it is on screen, so "seconds ago" stays true. */
const REFRESH_MS = 5000;

/** How far back everything is safe, as of now: the report's lag plus the time since it was made. */
function secondsAgo(c: Continuous, checkedAt: number, now: number): number {
  return Math.max(0, Math.round((c.secondsBehind ?? 0) + (now - checkedAt) / 1000));
}

function stateLine(c: Continuous, checkedAt: number, now: number): { text: string; warn: boolean } {
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
      return { text: 'Starting…', warn: false };
    case 'paused':
      return { text: 'Paused for a moment; changes are kept and sent when it resumes.', warn: false };
    case 'error':
    case 'closed':
      return { text: `Stopped${c.error ? `: ${c.error}` : ''}. Snapshots still run.`, warn: true };
    case 'not-running':
      return {
        text:
          c.protectedUpTo !== null
            ? `Not running here. The last change was recorded ${formatRelative(c.protectedUpTo)}.`
            : 'Not running here.',
        warn: false,
      };
  }
}

/** Continuous protection on the Backups screen: how far back everything is safe, and the last gap. */
export function ContinuousStatus() {
  const health = useBackups((s) => s.health);
  const [now, setNow] = useState(() => Date.now());
  const running = health?.continuous?.state === 'running';
  // Starting, paused or running here: the state and the last gap change without any event.
  const live = !!health?.continuous?.enabled && health.continuous.state !== 'not-running';

  useEffect(() => {
    if (!live) return;
    const tick = running ? setInterval(() => setNow(Date.now()), 1000) : null;
    const refresh = setInterval(() => void useBackups.getState().refreshHealth(), REFRESH_MS);
    return () => {
      if (tick) clearInterval(tick);
      clearInterval(refresh);
    };
  }, [live, running]);

  const c = health?.continuous;
  if (!health || !c) return null;
  const line = stateLine(c, health.checkedAt, Math.max(now, health.checkedAt));
  return (
    <section className="continuous-status" aria-labelledby="continuous-heading">
      <h3 id="continuous-heading">Continuous protection</h3>
      <p className={line.warn ? 'alert alert-warn' : undefined} data-testid="continuous-state">
        {line.text}
      </p>
      <p className="muted small" data-testid="continuous-gap">
        {c.lastGap
          ? `Last gap: ${formatSecond(c.lastGap.at)}. ${STARTED_BECAUSE[c.lastGap.reason] ?? c.lastGap.reason}.`
          : 'No gaps: every change since protection started is recorded.'}
        {c.lastGap?.detail ? ` ${c.lastGap.detail}` : ''}
      </p>
    </section>
  );
}
