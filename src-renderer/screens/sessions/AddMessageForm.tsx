import { useState, type FormEvent } from 'react';
import { readableError, type ReadableError } from '../../api/errors';
import type { Message } from '../../api/types';
import { ErrorNotice } from '../../components/ErrorNotice';
import { useSessions } from '../../store/sessions';

export function AddMessageForm() {
  const addMessage = useSessions((s) => s.addMessage);
  const [role, setRole] = useState<Message['role']>('user');
  const [content, setContent] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ReadableError | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!content.trim()) {
      setError({ code: 'invalid_input', message: 'The message is empty.', next: 'Type some text, then press Add.' });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const sent = content;
      await addMessage(role, sent);
      // Keep anything typed while the message was being saved.
      setContent((now) => (now === sent ? '' : now));
      // The next message is usually the other side of the conversation.
      setRole(role === 'user' ? 'assistant' : 'user');
    } catch (err) {
      setError(readableError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="add-message" onSubmit={(e) => void submit(e)} aria-label="Add a message">
      <div className="inline-form">
        <div className="field" style={{ flex: '0 0 150px' }}>
          <label htmlFor="message-role">Role</label>
          <select id="message-role" value={role} onChange={(e) => setRole(e.target.value as Message['role'])}>
            <option value="user">User</option>
            <option value="assistant">Assistant</option>
            <option value="system">System</option>
            <option value="tool">Tool</option>
          </select>
        </div>
      </div>
      <div className="field">
        <label htmlFor="message-content">Message</label>
        <textarea
          id="message-content"
          value={content}
          onChange={(e) => setContent(e.target.value)}
          onKeyDown={(e) => {
            // Ctrl/Cmd+Enter sends, plain Enter makes a new line.
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void submit(e);
          }}
          rows={3}
        />
        <span className="hint">Ctrl+Enter adds the message.</span>
      </div>
      <div className="btn-row">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          Add message
        </button>
      </div>
      <ErrorNotice error={error} title="The message was not added" />
    </form>
  );
}
