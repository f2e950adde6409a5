import { ErrorNotice } from '../../components/ErrorNotice';
import { RunningWork } from '../../components/RunningWork';
import { useSessions } from '../../store/sessions';
import { useTransfers } from '../../store/transfers';

/** The outcome of the last import (picker or drop), a duplicate question, and the drop overlay. */
export function ImportOutcome({ dragging }: { dragging: boolean }) {
  const { error, duplicate, lastImport, importAnyway, dismiss } = useTransfers();
  const after = afterImport;

  return (
    <>
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          <div className="drop-overlay-inner">Drop the archive to import it as a new session</div>
        </div>
      )}
      <RunningWork kinds={['import']} title="Import progress" />
      <div aria-live="polite" className="live-slot">
        {lastImport && !error && !duplicate && (
          <div className="alert alert-ok" role="status">
            <strong>Imported “{lastImport.title}”</strong>
            <span>{lastImport.messageCount} messages were added as a new session. Nothing else was changed.</span>
          </div>
        )}
      </div>
      {duplicate && (
        <div className="alert alert-warn" role="alert">
          <strong>This session is already here</strong>
          <span>{duplicate.message}</span>
          <span>Import it again only if you want a second copy.</span>
          <div className="btn-row alert-actions">
            <button type="button" className="btn btn-small" onClick={() => void importAnyway().then(after)}>
              Import a copy anyway
            </button>
            <button type="button" className="btn btn-small" onClick={dismiss}>
              Cancel
            </button>
          </div>
        </div>
      )}
      <ErrorNotice error={error} title="The archive could not be imported" onDismiss={dismiss} />
    </>
  );
}

/** The header action; also takes archives dropped anywhere on the Sessions screen. */
export function ImportArchiveButton() {
  const importing = useTransfers((s) => s.importing);
  const importChosen = useTransfers((s) => s.importChosen);
  return (
    <button
      type="button"
      className="btn btn-primary"
      onClick={() => void importChosen().then(afterImport)}
      disabled={importing}
      aria-describedby="import-hint"
    >
      Import archive
    </button>
  );
}

export async function afterImport(r: { sessionId: string; title: string; messageCount: number } | null) {
  if (!r) return;
  // The screen shows the outcome inline; open the new session so it can be checked at once.
  await useSessions.getState().load();
  await useSessions.getState().select(r.sessionId);
}
