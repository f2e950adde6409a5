import { useState } from 'react';
import { ConfirmDialog } from '../../components/Dialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { RunningWork } from '../../components/RunningWork';
import { formatCount, formatTime, shownTables, tableLabel } from '../../format';
import { useBackups } from '../../store/backups';
import { usePoint } from '../../store/point';
import { useRestore } from '../../store/restore';
import { plural } from '../../format';

export function CompareCard() {
  const { snapshotId, comparison, phase, error, restore, refreshComparison } = useRestore();
  const snapshot = useBackups((s) => s.snapshots.find((x) => x.id === snapshotId) ?? null);
  const [confirming, setConfirming] = useState(false);
  const totals = usePoint((s) => (s.pointId === snapshotId ? s.diff?.totals : undefined));
  // The preview in words, before anything is confirmed.
  const preview = !totals
    ? null
    : totals.createdSince + totals.deletedSince + totals.changed === 0
      ? 'Your sessions are the same now as in this backup.'
      : `This will remove ${plural(totals.createdSince, 'session')} created since, bring back ${plural(totals.deletedSince, 'deleted session')}` +
        `, and undo the changes to ${plural(totals.changed, 'session')}.`;
  const busy = phase === 'restoring' || phase === 'undoing';

  if (!snapshotId) return null;

  const tables = comparison ? shownTables(comparison.snapshot, comparison.current) : [];

  return (
    <section className="card" aria-labelledby="compare-heading">
      <h2 id="compare-heading">3. Or restore everything</h2>
      {preview && <p data-testid="restore-preview">{preview}</p>}
      {phase === 'comparing' && !comparison && <p className="muted">Reading the backup…</p>}
      {comparison && (
        <table aria-label="Rows per table in the backup and now">
          <thead>
            <tr>
              <th scope="col">What</th>
              <th scope="col" className="num">
                In the backup
              </th>
              <th scope="col" className="num">
                Now
              </th>
              <th scope="col" className="num">
                Difference
              </th>
            </tr>
          </thead>
          <tbody>
            {tables.map((t) => {
              const then = comparison.snapshot[t] ?? 0;
              const now = comparison.current[t] ?? 0;
              const diff = then - now;
              return (
                <tr key={t} className={diff !== 0 ? 'changed' : undefined} data-table={t}>
                  <th scope="row">{tableLabel(t)}</th>
                  <td className="num">{formatCount(then)}</td>
                  <td className="num">{formatCount(now)}</td>
                  <td className="num">
                    {diff === 0 ? (
                      <span className="muted">same</span>
                    ) : (
                      `${diff > 0 ? '+' : '−'}${formatCount(Math.abs(diff))}`
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <ErrorNotice error={error} title="The restore did not happen" onRetry={() => void refreshComparison()} />
      <RunningWork kinds={['restore', 'undo-restore']} title="Restore progress" />
      <div className="btn-row">
        <button
          type="button"
          className="btn btn-primary"
          disabled={!comparison || busy}
          onClick={() => setConfirming(true)}
        >
          Restore
        </button>
        <span className="muted small">Your data as it is now is saved first, so you can undo this.</span>
      </div>
      {confirming && (
        <ConfirmDialog
          title="Restore this backup?"
          confirmLabel="Yes, restore"
          onConfirm={() => {
            setConfirming(false);
            void restore();
          }}
          onCancel={() => setConfirming(false)}
        >
          <p>
            Your sessions and settings will be replaced by the backup from{' '}
            {snapshot ? formatTime(snapshot.createdAt) : 'the chosen time'}. A copy of your data as it is now is kept,
            and “Undo restore” puts it back.
          </p>
          {preview && <p>{preview}</p>}
        </ConfirmDialog>
      )}
    </section>
  );
}
