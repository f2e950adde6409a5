import type { HealthReport } from '../../api/types';
import { HealthBadge } from '../../components/HealthBadge';
import { formatBytes, formatRelative, formatTime } from '../../format';
import { useBackups } from '../../store/backups';
import { ContinuousStatus } from './ContinuousStatus';

const HEADLINE = {
  ok: 'Your data is protected',
  warning: 'Your data needs attention',
  error: 'Your data is not protected',
} as const;

/** The soonest scheduled snapshot (drills are not backups, so they do not count). */
function nextRun(h: HealthReport): number | null {
  const times = Object.entries(h.nextRunByTier)
    .filter(([job, t]) => job !== 'drill' && t !== null)
    .map(([, t]) => t as number);
  return times.length ? Math.min(...times) : null;
}

export function HealthCard() {
  const health = useBackups((s) => s.health);
  const next = health ? nextRun(health) : null;
  return (
    <section className="card" aria-labelledby="health-heading">
      <div className="card-header">
        <h2 id="health-heading">{health ? HEADLINE[health.status] : 'Checking protection…'}</h2>
        <HealthBadge health={health} />
      </div>
      {health && (
        <>
          <dl className="stats">
            <div className="stat">
              <dt>Last backup</dt>
              <dd title={formatTime(health.newestAt)}>{formatRelative(health.newestAt)}</dd>
            </div>
            <div className="stat">
              <dt>Next run</dt>
              <dd title={formatTime(next, 'not scheduled')}>{formatRelative(next, Date.now(), 'not scheduled')}</dd>
            </div>
            <div className="stat">
              <dt>Storage used</dt>
              <dd>
                {formatBytes(health.totalStoredBytes)} in {health.snapshotCount}{' '}
                {health.snapshotCount === 1 ? 'backup' : 'backups'}
              </dd>
            </div>
            <div className="stat">
              <dt>Free disk space</dt>
              <dd>
                {health.freeBytes === null ? 'unknown' : formatBytes(health.freeBytes)}
                {health.freeBytes !== null && health.totalBytes ? (
                  <span className="muted small"> of {formatBytes(health.totalBytes)}</span>
                ) : null}
              </dd>
            </div>
            <div className="stat">
              <dt>Last verify</dt>
              <dd>
                {health.lastVerify
                  ? `${health.lastVerify.ok ? 'Good' : 'Problems found'}, ${formatRelative(health.lastVerify.at)}`
                  : 'not yet'}
              </dd>
            </div>
            <div className="stat">
              <dt>Last test restore</dt>
              <dd>
                {health.lastDrill
                  ? `${health.lastDrill.ok ? 'Passed' : 'Failed'}, ${formatRelative(health.lastDrill.at)}`
                  : 'not yet'}
              </dd>
            </div>
          </dl>
          <ContinuousStatus />
          {health.reasons.length > 0 && (
            <div className={`alert ${health.status === 'error' ? 'alert-error' : 'alert-warn'}`} role="status">
              <strong>{health.status === 'error' ? 'What is wrong' : 'Worth a look'}</strong>
              <ul className="reasons">
                {health.reasons.map((r) => (
                  <li key={r}>{r}</li>
                ))}
              </ul>
            </div>
          )}
          {health.failures.length > 0 && (
            <ul className="muted small reasons" aria-label="Recent failures">
              {health.failures.map((f) => (
                <li key={f.job}>
                  {f.job}: {f.error}
                  {f.consecutive > 1 ? ` (${f.consecutive} times in a row)` : ''}
                  {f.at ? `, ${formatRelative(f.at)}` : ''}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
