import { useState, type FormEvent } from 'react';
import { readableError, type ReadableError } from '../../api/errors';
import { ErrorNotice } from '../../components/ErrorNotice';
import { RunningWork } from '../../components/RunningWork';
import { formatBytes } from '../../format';
import { useBackups } from '../../store/backups';

export function BackUpNow() {
  const backingUp = useBackups((s) => s.backingUp);
  const backUpNow = useBackups((s) => s.backUpNow);
  const [label, setLabel] = useState('');
  const [error, setError] = useState<ReadableError | null>(null);
  const [done, setDone] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setDone(null);
    try {
      const snap = await backUpNow(label);
      setLabel('');
      setDone(
        `Backup ${snap.label ? `“${snap.label}” ` : ''}made: ${formatBytes(snap.stored.sizeBytes)}, check ${snap.check.ok ? 'passed' : 'FAILED'}.`,
      );
    } catch (err) {
      setError(readableError(err));
    }
  }

  return (
    <section className="card" aria-labelledby="backup-now-heading">
      <h2 id="backup-now-heading">Make a backup</h2>
      <form className="inline-form" onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor="backup-label">Label (optional)</label>
          <input
            id="backup-label"
            type="text"
            maxLength={200}
            value={label}
            onChange={(e) => setLabel(e.target.value)}
            placeholder="e.g. Before cleaning up"
          />
        </div>
        <button type="submit" className="btn btn-primary" disabled={backingUp}>
          Back up now
        </button>
      </form>
      <RunningWork kinds={['snapshot', 'prune', 'drill']} title="Backup progress" />
      <div aria-live="polite" className="live-slot">
        {done && (
          <p className="alert alert-ok" role="status">
            {done}
          </p>
        )}
      </div>
      <ErrorNotice error={error} title="The backup was not made" />
    </section>
  );
}
