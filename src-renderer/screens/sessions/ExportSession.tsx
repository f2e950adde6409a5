import { useState } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice';
import { RunningWork } from '../../components/RunningWork';
import { formatBytes } from '../../format';
import { useTransfers, type ExportFormat } from '../../store/transfers';

export function ExportSession({ sessionId }: { sessionId: string }) {
  const [format, setFormat] = useState<ExportFormat>('json');
  const { exporting, lastExport, exportError, exportSession } = useTransfers();
  return (
    <div className="export-session">
      <div className="inline-form">
        <div className="field" style={{ flex: '0 1 260px' }}>
          <label htmlFor="export-format">Export as</label>
          <select id="export-format" value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)}>
            <option value="json">Strata archive, to import elsewhere</option>
            <option value="md">Markdown (.md), to read or share</option>
          </select>
        </div>
        <button
          type="button"
          className="btn"
          disabled={exporting}
          onClick={() => void exportSession(sessionId, format)}
        >
          Export session
        </button>
      </div>
      <RunningWork kinds={['export']} title="Export progress" />
      <div aria-live="polite" className="live-slot">
        {lastExport && lastExport.sessionId === sessionId && !exporting && (
          <p className="muted small" role="status">
            {lastExport.saved
              ? `Exported ${lastExport.fileName} (${formatBytes(lastExport.bytes)}).`
              : 'The export was made but not saved.'}
          </p>
        )}
      </div>
      <ErrorNotice error={exportError} title="The export did not finish" />
    </div>
  );
}
