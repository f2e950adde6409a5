import { ErrorNotice } from '../../components/ErrorNotice';
import { RunningWork } from '../../components/RunningWork';
import { useSessions } from '../../store/sessions';
import { useTransfers } from '../../store/transfers';
import { useUi } from '../../store/ui';

/** "Import archive" by file picker, plus the drop target and the outcome of the last import. */
export function ImportArchive({ dragging }: { dragging: boolean }) {
  const { importing, error, duplicate, lastImport, importChosen, importAnyway, dismiss } = useTransfers();

  async function after(r: { sessionId: string; title: string; messageCount: number } | null) {
    if (!r) return;
    useUi.getState().notify('ok', `Imported “${r.title}” with ${r.messageCount} messages.`);
    await useSessions.getState().load();
    await useSessions.getState().select(r.sessionId);
  }

  return (
    <section className="card" aria-labelledby="import-heading">
      <div className="card-header">
        <div>
          <h2 id="import-heading">Bring in a session</h2>
          <p className="muted small">
            Import a Strata session archive someone sent you, or one you exported. It is added as a new session; nothing here is
            overwritten.
          </p>
        </div>
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => void importChosen().then(after)}
          disabled={importing}
        >
          Import archive
        </button>
      </div>
      <div className={`dropzone${dragging ? ' active' : ''}`} aria-hidden="true">
        {dragging ? 'Drop the archive to import it' : 'Or drop an archive file anywhere on this screen'}
      </div>
      <RunningWork kinds={['import']} title="Import progress" />
      <div aria-live="polite">
        {lastImport && !error && !duplicate && (
          <div className="alert alert-ok" role="status">
            <strong>Imported “{lastImport.title}”</strong>
            <span>{lastImport.messageCount} messages were added as a new session.</span>
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
    </section>
  );
}
