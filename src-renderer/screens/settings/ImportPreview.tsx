import { useEffect, useRef, useState } from 'react';
import type { ImportMode, SettingsChange } from '../../api/types';
import { useSettings } from '../../store/settings';
import { useUi } from '../../store/ui';

const CHANGE_TEXT: Record<SettingsChange['change'], string> = {
  add: 'Added',
  update: 'Changed',
  remove: 'Removed',
  unchanged: 'Same',
};

/** What the chosen settings file would change, before anything is changed. */
export function ImportPreview() {
  const { pending, applying, setMode, applyImport, cancelImport } = useSettings();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const preview = pending?.preview ?? null;
  // The confirmation belongs to one preview: another mode or file must be confirmed again.
  const [acceptedFor, setAcceptedFor] = useState<typeof preview>(null);
  const acceptBackup = preview !== null && acceptedFor === preview;

  useEffect(() => {
    headingRef.current?.focus();
  }, []);

  if (!pending) return null;
  const { mode, fileName, loading } = pending;
  const needsConfirmation = preview?.backup?.confirmationRequired ?? false;
  const deleted = preview?.backup?.snapshotsDeleted.length ?? 0;
  const visible = preview ? preview.changes.filter((c) => c.change !== 'unchanged') : [];
  // Values are shown only when the other side sends them (secrets never are).
  const withValues = visible.some((c) => c.before !== null || c.after !== null);

  async function apply() {
    await applyImport({ acceptBackupChanges: needsConfirmation && acceptBackup });
    if (!useSettings.getState().pending && !useSettings.getState().transferError)
      useUi.getState().notify('ok', 'Settings imported.');
  }

  return (
    <section
      className="card preview"
      aria-labelledby="preview-heading"
      onKeyDown={(e) => {
        if (e.key === 'Escape') cancelImport();
      }}
    >
      <h3 id="preview-heading" ref={headingRef} tabIndex={-1}>
        Preview: importing {fileName}
      </h3>
      <fieldset>
        <legend>How to import</legend>
        <div className="radio-row">
          {(['merge', 'replace'] as ImportMode[]).map((m) => (
            <label key={m}>
              <input
                type="radio"
                name="settings-import-mode"
                value={m}
                checked={mode === m}
                onChange={() => void setMode(m)}
              />
              {m === 'merge' ? 'Merge: add and update, keep the rest' : 'Replace: make it exactly like the file'}
            </label>
          ))}
        </div>
      </fieldset>
      <div aria-live="polite" aria-busy={loading}>
        {loading && <p className="muted">Reading the file…</p>}
        {preview && (
          <>
            <p>
              <strong>
                {preview.summary.add} to add, {preview.summary.update} to change, {preview.summary.remove} to remove
              </strong>
              <span className="muted">, {preview.summary.unchanged} the same.</span>
            </p>
            {preview.warnings.map((w) => (
              <p key={w} className="alert alert-warn small">
                {w}
              </p>
            ))}
          </>
        )}
      </div>
      {preview && visible.length > 0 && (
        <div className="table-scroll">
          <table aria-label="Changes the import would make">
            <thead>
              <tr>
                <th scope="col">Change</th>
                <th scope="col">What</th>
                {withValues && <th scope="col">Now</th>}
                {withValues && <th scope="col">After import</th>}
              </tr>
            </thead>
            <tbody>
              {visible.map((c) => (
                <tr key={`${c.kind}:${c.key}`}>
                  <td>
                    <span
                      className={`badge ${c.change === 'remove' ? 'badge-error' : c.change === 'add' ? 'badge-ok' : 'badge-warn'}`}
                    >
                      {CHANGE_TEXT[c.change]}
                    </span>
                  </td>
                  <td>
                    <span className="value">{c.key}</span> <span className="muted small">({c.kind})</span>
                  </td>
                  {withValues && <td className="value">{c.secret ? 'hidden' : (c.before ?? '—')}</td>}
                  {withValues && <td className="value">{c.secret ? 'hidden' : (c.after ?? '—')}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {preview && visible.length === 0 && <p className="muted">Nothing would change: your settings already match.</p>}
      {preview && needsConfirmation && (
        <p className="alert alert-error">
          <label>
            <input
              type="checkbox"
              checked={acceptBackup}
              onChange={(e) => setAcceptedFor(e.target.checked ? preview : null)}
              aria-describedby="preview-heading"
            />{' '}
            {deleted > 0
              ? `I understand: the imported backup retention deletes ${deleted} existing backup${deleted === 1 ? '' : 's'}.`
              : 'I understand: the imported backup retention can delete existing backups.'}
          </label>
        </p>
      )}
      <div className="btn-row">
        <button
          type="button"
          className="btn btn-primary"
          disabled={!preview || loading || applying || (needsConfirmation && !acceptBackup)}
          onClick={() => void apply()}
        >
          Apply import
        </button>
        <button type="button" className="btn" onClick={cancelImport} disabled={applying}>
          Cancel
        </button>
        <span className="muted small">A backup is made first, so this can be undone from Restore.</span>
      </div>
    </section>
  );
}
