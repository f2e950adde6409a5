import { useEffect, useState } from 'react';
import { useBackups } from '../../store/backups';
import { gapLine, stateLine } from './continuous-words';

/** How often the report is read again while it is on screen, so "seconds ago" stays true. */
const REFRESH_MS = 5000;

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
  const line = stateLine(c, health.checkedAt, now);
  return (
    <section className="continuous-status" aria-labelledby="continuous-heading">
      <h3 id="continuous-heading">Continuous protection</h3>
      <p className={line.warn ? 'alert alert-warn' : undefined} data-testid="continuous-state">
        {line.text}
      </p>
      <p className="muted small" data-testid="continuous-gap">
        {gapLine(c)}
      </p>
    </section>
  );
}
