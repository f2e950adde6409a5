import type { HealthReport } from '../api/types';

const TEXT: Record<HealthReport['status'], string> = {
  ok: 'Protected',
  warning: 'Needs attention',
  error: 'Not protected',
};

export function HealthBadge({ health }: { health: HealthReport | null }) {
  if (!health) return <span className="badge">Checking…</span>;
  const cls = health.status === 'ok' ? 'badge-ok' : health.status === 'warning' ? 'badge-warn' : 'badge-error';
  return (
    <span className={`badge ${cls}`}>
      <span className="dot" aria-hidden="true" />
      {TEXT[health.status]}
    </span>
  );
}
