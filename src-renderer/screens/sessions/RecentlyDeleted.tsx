import { ErrorNotice } from '../../components/ErrorNotice';
import { RunningWork } from '../../components/RunningWork';
import { formatTime, plural } from '../../format';
import { usePoint } from '../../store/point';
import { useRecentlyDeleted } from '../../store/recently-deleted';

export const RECENTLY_DELETED_PANEL = 'recently-deleted-panel';

/** The entry on the Sessions screen: opens the list of sessions that backups hold but that are gone now. */
export function RecentlyDeletedButton() {
  const open = useRecentlyDeleted((s) => s.open);
  const toggle = useRecentlyDeleted((s) => s.toggle);
  return (
    <button type="button" className="btn" aria-expanded={open} aria-controls={RECENTLY_DELETED_PANEL} onClick={toggle}>
      Recently deleted
    </button>
  );
}

/** Each deleted session with when it went and one action to bring it back. */
export function RecentlyDeletedPanel() {
  const { open, loading, sessions, error, restoring, restored } = useRecentlyDeleted();
  const restore = useRecentlyDeleted((s) => s.restore);
  const undo = usePoint((s) => s.undo);
  if (!open) return null;
  return (
    <section id={RECENTLY_DELETED_PANEL} className="card" aria-labelledby="recently-deleted-heading">
      <h2 id="recently-deleted-heading">Recently deleted</h2>
      <p className="muted small">Sessions your backups of the last 30 days hold that are no longer here.</p>
      <RunningWork kinds={['recently-deleted', 'session-restore', 'undo-session-restore']} title="Progress" />
      <div aria-live="polite" className="live-slot">
        {restored && (
          <div className="alert alert-ok" role="status">
            <strong>“{restored.title}” is back</strong>
            <span>With {plural(restored.result.sessions[0]?.messageCount ?? 0, 'message')}. Nothing else changed.</span>
            <div className="btn-row alert-actions">
              <button
                type="button"
                className="btn btn-small"
                onClick={() => void undo().then(() => useRecentlyDeleted.getState().load())}
              >
                Undo session restore
              </button>
            </div>
          </div>
        )}
      </div>
      <ErrorNotice error={error} title="Recently deleted sessions could not be listed or restored" />
      {loading && !sessions && <p className="muted">Looking through your backups…</p>}
      {sessions && sessions.length === 0 && <p className="empty">No deleted sessions in your recent backups.</p>}
      {sessions && sessions.length > 0 && (
        <ul className="point-sessions deleted-list">
          {sessions.map((s) => (
            <li key={s.sessionId} className="deleted-item">
              <span>
                <span className="point-session-title">{s.title}</span>
                <span className="muted small">
                  {' '}
                  · {plural(s.messageCount, 'message')} · deleted between {formatTime(s.lastPoint.at)} and{' '}
                  {s.goneBy ? formatTime(s.goneBy.at) : 'now'}
                </span>
              </span>
              <button
                type="button"
                className="btn btn-small"
                disabled={restoring !== null}
                aria-label={`Restore “${s.title}”`}
                onClick={() => void restore(s)}
              >
                Restore
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
