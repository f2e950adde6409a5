import { useState, type FormEvent } from 'react';
import { readableError, type ReadableError } from '../../api/errors';
import { ErrorNotice } from '../../components/ErrorNotice';
import { useSessions } from '../../store/sessions';

export function NewSessionForm() {
  const create = useSessions((s) => s.create);
  const [title, setTitle] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ReadableError | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!title.trim()) {
      setError({
        code: 'invalid_input',
        message: 'A session needs a title.',
        next: 'Type a title, then press Create.',
      });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await create(title.trim());
      setTitle('');
    } catch (err) {
      setError(readableError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="inline-form" onSubmit={(e) => void submit(e)} aria-label="New session">
      <div className="field">
        <label htmlFor="new-session-title">New session title</label>
        <input
          id="new-session-title"
          type="text"
          value={title}
          maxLength={500}
          onChange={(e) => setTitle(e.target.value)}
          placeholder="e.g. Trip planning"
        />
      </div>
      <button type="submit" className="btn" disabled={busy}>
        Create session
      </button>
      {error && (
        <div style={{ flexBasis: '100%' }}>
          <ErrorNotice error={error} title="The session was not created" />
        </div>
      )}
    </form>
  );
}
