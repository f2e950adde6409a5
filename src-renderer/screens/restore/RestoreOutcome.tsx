import { ErrorNotice } from '../../components/ErrorNotice';
import { formatTime } from '../../format';
import { useBackups } from '../../store/backups';
import { useRestore } from '../../store/restore';

/** The result of the last restore or undo, and the way back. */
export function RestoreOutcome() {
  const { phase, result, canUndo, undo, error } = useRestore();
  const from = useBackups((s) => s.snapshots.find((x) => x.id === result?.restoredFrom) ?? null);
  const undoing = phase === 'undoing';
  const show = phase === 'done' || phase === 'undone' || undoing;

  return (
    <div aria-live="polite">
      {show && result && (
        <section className="card" aria-labelledby="outcome-heading">
          <div className="alert alert-ok" role="status">
            <strong id="outcome-heading">
              {phase === 'undone' ? 'The restore was undone' : 'Restore finished'}
            </strong>
            <span>
              {phase === 'undone'
                ? 'Your data is back as it was before the restore.'
                : `Your data now matches the backup${from ? ` from ${formatTime(from.createdAt)}` : ''}. Every screen shows the restored data.`}{' '}
              It took {(result.durationMs / 1000).toFixed(1)} s.
            </span>
          </div>
          {(phase === 'done' || undoing) && (
            <div className="btn-row">
              <button type="button" className="btn" disabled={!canUndo || undoing} onClick={() => void undo()}>
                Undo restore
              </button>
              <span className="muted small">Puts back the data you had just before this restore.</span>
            </div>
          )}
          {phase === 'done' && <ErrorNotice error={error} title="The restore was not undone" />}
        </section>
      )}
    </div>
  );
}
