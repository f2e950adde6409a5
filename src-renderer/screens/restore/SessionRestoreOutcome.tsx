import { plural } from '../../format';
import { usePoint } from '../../store/point';

const DONE: Record<string, string> = {
  restored: 'is back',
  replaced: 'replaced the current version',
  copied: 'is back as a copy',
  unchanged: 'was already the same',
};

/** What the last session restore did, and the way back. */
export function SessionRestoreOutcome() {
  const { result, undone, busy } = usePoint();
  const undo = usePoint((s) => s.undo);
  if (!result && !undone) return null;
  return (
    <div aria-live="polite" className="live-slot">
      <section className="card" aria-labelledby="session-outcome-heading">
        <div className="alert alert-ok" role="status">
          <strong id="session-outcome-heading">
            {undone ? 'The session restore was undone' : `${plural(result!.sessions.length, 'session')} restored`}
          </strong>
          {undone ? (
            <span>
              {plural(undone.removed.length, 'session')} removed and {plural(undone.putBack.length, 'session')} put back
              as they were before.
            </span>
          ) : (
            <ul className="point-sessions">
              {result!.sessions.map((s) => (
                <li key={s.liveSessionId}>
                  “{s.title}” {DONE[s.action] ?? s.action} ({plural(s.messageCount, 'message')}).
                </li>
              ))}
            </ul>
          )}
        </div>
        {result && result.safetySnapshotId && (
          <div className="btn-row">
            <button type="button" className="btn" disabled={busy} onClick={() => void undo()}>
              Undo session restore
            </button>
            <span className="muted small">Removes what came back and puts back what it replaced.</span>
          </div>
        )}
      </section>
    </div>
  );
}
