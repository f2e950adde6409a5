import { useState } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice';
import { formatBytes } from '../../format';
import { useSettings } from '../../store/settings';
import { ImportPreview } from './ImportPreview';

export function SettingsTransfer() {
  const { exporting, lastExport, transferError, pending, lastImport, exportSettings, chooseImport } = useSettings();
  const [includeSecrets, setIncludeSecrets] = useState(false);

  return (
    <section className="card" aria-labelledby="transfer-heading">
      <h2 id="transfer-heading">Your settings file</h2>
      <p className="muted">
        Move your settings, custom prompts and favourite actions to another computer, or keep a copy.
      </p>
      <div className="inline-form">
        <label className="check">
          <input type="checkbox" checked={includeSecrets} onChange={(e) => setIncludeSecrets(e.target.checked)} />
          Include secrets such as API keys
        </label>
        <button type="button" className="btn" disabled={exporting} onClick={() => void exportSettings(includeSecrets)}>
          Export settings
        </button>
        <button type="button" className="btn" disabled={!!pending} onClick={() => void chooseImport()}>
          Import settings
        </button>
      </div>
      {includeSecrets && (
        <p className="alert alert-warn small">Anyone with the exported file can read those secrets. Keep it private.</p>
      )}
      <div aria-live="polite" className="live-slot">
        {lastExport && (
          <p className="muted small" role="status">
            {lastExport.saved
              ? `Exported ${lastExport.fileName} (${formatBytes(lastExport.bytes)}).`
              : 'The settings file was made but not saved.'}
          </p>
        )}
        {lastImport && (
          <div className="alert alert-ok" role="status">
            <strong>Settings imported</strong>
            <span>
              {lastImport.summary.add} added, {lastImport.summary.update} changed, {lastImport.summary.remove} removed.
              {lastImport.safetySnapshotId ? ' A backup from just before the import can undo it (see Restore).' : ''}
            </span>
          </div>
        )}
      </div>
      <ErrorNotice
        error={transferError}
        title="The settings file could not be used"
        onDismiss={() => useSettings.setState({ transferError: null })}
      />
      {pending && <ImportPreview />}
    </section>
  );
}
