import { formatBytes, formatTime, TIER_LABELS } from '../../format';
import { useBackups } from '../../store/backups';
import { useRestore } from '../../store/restore';

export function PickSnapshot() {
  const snapshots = useBackups((s) => s.snapshots);
  const loaded = useBackups((s) => s.loaded);
  const snapshotId = useRestore((s) => s.snapshotId);
  const pick = useRestore((s) => s.pick);
  const busy = useRestore((s) => s.phase === 'restoring' || s.phase === 'undoing');
  const usable = snapshots.filter((s) => s.check.ok);
  const chosen = snapshots.find((s) => s.id === snapshotId) ?? null;

  return (
    <section className="card" aria-labelledby="pick-heading">
      <h2 id="pick-heading">1. Pick a backup</h2>
      {loaded && usable.length === 0 ? (
        <p className="empty">There are no backups to restore yet. Make one on the Backups screen.</p>
      ) : (
        <div className="field">
          <label htmlFor="restore-snapshot">Backup to restore</label>
          <select
            id="restore-snapshot"
            value={snapshotId ?? ''}
            disabled={busy}
            onChange={(e) => void pick(e.target.value || null)}
          >
            <option value="">Choose a backup…</option>
            {usable.map((s) => (
              <option key={s.id} value={s.id}>
                {formatTime(s.createdAt)} · {TIER_LABELS[s.tier]}
                {s.label ? ` · ${s.label}` : ''}
              </option>
            ))}
          </select>
          {chosen && (
            <span className="hint">
              Made {formatTime(chosen.createdAt)} by Strata {chosen.appVersion}, {formatBytes(chosen.source.sizeBytes)}{' '}
              of data.
              {chosen.lastVerify ? (chosen.lastVerify.ok ? ' Verified good.' : ' Last verify found problems.') : ''}
            </span>
          )}
        </div>
      )}
    </section>
  );
}
