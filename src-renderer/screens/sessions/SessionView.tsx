import { useState } from 'react';
import { readableError, type ReadableError } from '../../api/errors';
import { ConfirmDialog } from '../../components/Dialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { formatTime, plural } from '../../format';
import { useSessions } from '../../store/sessions';
import { useUi } from '../../store/ui';
import { AddMessageForm } from './AddMessageForm';
import { ExportSession } from './ExportSession';

export function SessionView() {
  const { open, openError, selectedId, select, remove } = useSessions();
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<ReadableError | null>(null);

  if (!selectedId || !open) {
    return (
      <section className="card" aria-labelledby="session-view-heading">
        <h2 id="session-view-heading">No session open</h2>
        <ErrorNotice
          error={openError}
          title="The session could not be opened"
          onRetry={() => void select(selectedId)}
        />
        <p className="muted">Pick a session from the list, or create a new one, to read and add messages.</p>
      </section>
    );
  }

  const { session, messages, messageCount } = open;

  async function confirmDelete() {
    setDeleting(true);
    setDeleteError(null);
    try {
      await remove(session.id);
      setConfirming(false);
      useUi.getState().notify('ok', `Deleted “${session.title}”. A backup from before can bring it back.`);
    } catch (e) {
      setDeleteError(readableError(e));
      setConfirming(false);
    } finally {
      setDeleting(false);
    }
  }

  return (
    <section className="card" aria-labelledby="session-view-heading">
      <div className="card-header">
        <div>
          <h2 id="session-view-heading">{session.title}</h2>
          <p className="muted small">
            {plural(messageCount, 'message')} · created {formatTime(session.createdAt)}
            {session.model ? ` · ${session.model}` : ''}
          </p>
        </div>
        <button type="button" className="btn btn-danger" onClick={() => setConfirming(true)}>
          Delete session
        </button>
      </div>
      <ExportSession sessionId={session.id} />
      <ErrorNotice error={deleteError} title="The session was not deleted" onDismiss={() => setDeleteError(null)} />
      <h3>Messages</h3>
      {messages.length === 0 ? (
        <p className="empty">No messages yet. Add the first one below.</p>
      ) : (
        <ol className="messages" aria-label={`Messages in ${session.title}`}>
          {messages.map((m) => (
            <li key={m.id} className={`message message-${m.role}`}>
              <div className="message-role">{m.role}</div>
              <div className="message-content">{m.content}</div>
            </li>
          ))}
        </ol>
      )}
      {messageCount > messages.length && (
        <p className="muted small">
          Showing the first {messages.length} of {messageCount} messages.
        </p>
      )}
      <AddMessageForm />
      {confirming && (
        <ConfirmDialog
          title="Delete this session?"
          confirmLabel="Delete"
          danger
          busy={deleting}
          onConfirm={() => void confirmDelete()}
          onCancel={() => setConfirming(false)}
        >
          <p>
            “{session.title}” and its {plural(messageCount, 'message')} will be removed. You can bring them back by
            restoring a backup made before now.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
