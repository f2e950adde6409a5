import { ErrorNotice } from '../../components/ErrorNotice';
import { formatTime } from '../../format';
import { formatSecond } from '../../moment-format';
import { useBackups } from '../../store/backups';
import { useRestore } from '../../store/restore';

/** The result of the last restore or undo, and the way back. */
export function RestoreOutcome() {
  const { phase, result, canUndo, undo, undoError } = useRestore();
  const from = useBackups((s) => s.snapshots.find((x) => x.id === result?.restoredFrom) ?? null);
  // Restores are recorded in the data folder, so one made earlier (or elsewhere) can be undone too.
  const earlier = useBackups(
    (s) =>
      s.snapshots.filter((x) => x.tier === 'pre-restore').sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0],
  );
  const undoing = phase === 'undoing';
  const justRestored = (phase === 'done' || (undoing && canUndo)) && result;

  return (
    <>
      <div aria-live="polite" className="live-slot">
        {(justRestored || phase === 'undone') && result && (
          <section className="card" aria-labelledby="outcome-heading">
            <div className="alert alert-ok" role="status">
              <strong id="outcome-heading">{phase === 'undone' ? 'The restore was undone' : 'Restore finished'}</strong>
              <span>
                {phase === 'undone'
                  ? 'Your data is back as it was before the restore.'
                  : result.resolvedAt
                    ? `Your data now matches how it was at ${formatSecond(Date.parse(result.resolvedAt))}. Every screen shows the restored data.`
                    : `Your data now matches the backup${from ? ` from ${formatTime(from.createdAt)}` : ''}. Every screen shows the restored data.`}{' '}
                It took {(result.durationMs / 1000).toFixed(1)} s.
              </span>
            </div>
            {justRestored && (
              <div className="btn-row">
                <button type="button" className="btn" disabled={undoing} onClick={() => void undo()}>
                  Undo restore
                </button>
                <span className="muted small">Puts back the data you had just before this restore.</span>
              </div>
            )}
            <ErrorNotice error={undoError} title="The restore was not undone" />
          </section>
        )}
      </div>
      {!justRestored && phase !== 'undone' && earlier && (
        <section className="card" aria-labelledby="undo-earlier-heading">
          <h2 id="undo-earlier-heading">Undo an earlier restore</h2>
          <p className="muted">
            The last restore was on {formatTime(earlier.createdAt)}. Undoing it puts back the data you had just before
            it.
          </p>
          <div className="btn-row">
            <button type="button" className="btn" disabled={undoing} onClick={() => void undo()}>
              Undo restore
            </button>
          </div>
          <ErrorNotice error={undoError} title="The restore was not undone" />
        </section>
      )}
    </>
  );
}
