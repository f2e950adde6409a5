import { useEffect, useState } from 'react';
import { ConfirmDialog } from '../../components/Dialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { RunningWork } from '../../components/RunningWork';
import { formatCount, plural, shownTables, tableLabel } from '../../format';
import { formatSecond, rangeAt, toLocalInput } from '../../moment-format';
import { useMoment } from '../../store/moment';
import { useRestore } from '../../store/restore';
import { ActivityStrip } from './ActivityStrip';
import { RangeList } from './RangeList';

/** Any second continuous protection recorded: pick it, see the counts then, and restore it. */
export function PointInTime() {
  const { listing, loadError, input, at, previewing, preview, previewError, restoreError, now, restoring } =
    useMoment();
  const { load, choose, retryPreview, restore } = useMoment.getState();
  const busy = useRestore((s) => s.phase === 'restoring' || s.phase === 'undoing');
  const [confirming, setConfirming] = useState(false);

  useEffect(() => {
    void load();
  }, [load]);

  const ranges = listing?.continuous ?? [];
  const first = ranges[0];
  const last = ranges.at(-1);
  // The strip follows the chosen moment; before one is chosen it shows the newest range.
  const shown = (at !== null ? rangeAt(ranges, at) : null) ?? last ?? null;
  const counts = preview?.counts ?? {};
  // Tables empty then and now say nothing; sessions and messages always show.
  const tables = preview
    ? shownTables(counts, now ?? {}).filter(
        (t) => t === 'sessions' || t === 'messages' || (counts[t] ?? 0) > 0 || (now?.[t] ?? 0) > 0,
      )
    : [];

  return (
    <section className="card" aria-labelledby="moment-heading">
      <h2 id="moment-heading">Or go back to any second</h2>
      <p className="muted">
        Strata records every change within a second of it being made. Pick a time to see what your data was then, and
        restore it.
      </p>
      <ErrorNotice error={loadError} title="What was recorded could not be read" onRetry={() => void load()} />
      {!listing && !loadError && <p className="muted">Reading what was recorded…</p>}
      {listing && ranges.length === 0 && (
        <p className="empty">Nothing has been recorded continuously yet. Backups above can still be restored.</p>
      )}
      {first && last && (
        <>
          <RangeList ranges={ranges} />
          <div className="field moment-field">
            <label htmlFor="moment-input">Point in time</label>
            <input
              id="moment-input"
              type="datetime-local"
              step={1}
              min={toLocalInput(first.from)}
              max={toLocalInput(Math.max(last.to, Date.now()))}
              value={input}
              disabled={busy}
              aria-describedby="moment-hint"
              onChange={(e) => choose(e.target.value)}
            />
            <span className="hint" id="moment-hint">
              Any second from {formatSecond(first.from)} to now. The last change recorded was at {formatSecond(last.to)}
              .
            </span>
          </div>
          {shown && <ActivityStrip range={shown} at={at} />}
          <div aria-live="polite" className="live-slot" data-testid="moment-preview">
            {previewing && <p className="muted">Reading your data as it was then…</p>}
            {!previewing && preview && (
              <>
                <p>
                  Your data as it was at {formatSecond(preview.at)}. The last change at or before then was recorded at{' '}
                  {formatSecond(preview.resolvedAt)}.
                </p>
                <table aria-label="Rows per table at that time and now">
                  <thead>
                    <tr>
                      <th scope="col">What</th>
                      <th scope="col" className="num">
                        At that time
                      </th>
                      {now && (
                        <th scope="col" className="num">
                          Now
                        </th>
                      )}
                    </tr>
                  </thead>
                  <tbody>
                    {tables.map((t) => (
                      <tr
                        key={t}
                        data-table={t}
                        className={now && (now[t] ?? 0) !== (counts[t] ?? 0) ? 'changed' : undefined}
                      >
                        <th scope="row">{tableLabel(t)}</th>
                        <td className="num">{formatCount(counts[t] ?? 0)}</td>
                        {now && <td className="num">{formatCount(now[t] ?? 0)}</td>}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            )}
          </div>
          <ErrorNotice error={previewError} title="No preview for that time" onRetry={retryPreview} />
          {restoring && <RunningWork kinds={['restore']} title="Restore progress" />}
          <ErrorNotice error={restoreError} title="The restore did not happen" />
          <div className="btn-row">
            <button
              type="button"
              className="btn btn-primary"
              disabled={!preview || previewing || busy}
              onClick={() => setConfirming(true)}
            >
              Restore to this time
            </button>
            <span className="muted small">Your data as it is now is saved first, so you can undo this.</span>
          </div>
        </>
      )}
      {confirming && preview && (
        <ConfirmDialog
          title="Restore to this time?"
          confirmLabel="Yes, restore"
          onConfirm={() => {
            setConfirming(false);
            void restore();
          }}
          onCancel={() => setConfirming(false)}
        >
          <p>
            Your sessions and settings will be replaced by your data as it was at {formatSecond(preview.at)}: every
            change up to then, none after. That is {plural(counts.sessions ?? 0, 'session')} and{' '}
            {plural(counts.messages ?? 0, 'message')}.
          </p>
          <p>A copy of your data as it is now is kept, and “Undo restore” puts it back.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
