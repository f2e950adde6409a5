import { useState } from 'react';
import { readableError, type ReadableError } from '../../api/errors';
import type { Snapshot } from '../../api/types';
import { ConfirmDialog } from '../../components/Dialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { RunningWork } from '../../components/RunningWork';
import { formatBytes, formatTime, TIER_LABELS, TIER_ORDER } from '../../format';
import { useBackups } from '../../store/backups';
import { useRestore } from '../../store/restore';
import { useUi } from '../../store/ui';

function VerifyStatus({ s }: { s: Snapshot }) {
  const running = useBackups((st) => st.verifying[s.id]);
  if (running) return <span className="badge">Checking…</span>;
  if (s.lastVerify)
    return s.lastVerify.ok ? (
      <span className="badge badge-ok" title={`Verified ${formatTime(s.lastVerify.at)}`}>
        Verified
      </span>
    ) : (
      <span className="badge badge-error" title={s.lastVerify.problems.join('; ')}>
        Damaged
      </span>
    );
  if (!s.check.ok)
    return (
      <span className="badge badge-error" title={s.check.problems.join('; ')}>
        Check failed
      </span>
    );
  return (
    <span className="badge" title="Checked when it was made; not verified since">
      Checked
    </span>
  );
}

export function SnapshotList() {
  const { snapshots, damaged, loaded, verify, remove, verifying } = useBackups();
  const [error, setError] = useState<ReadableError | null>(null);
  const [deleting, setDeleting] = useState<Snapshot | null>(null);
  const [busy, setBusy] = useState(false);

  async function runVerify(s: Snapshot) {
    setError(null);
    try {
      const r = await verify(s.id);
      useUi
        .getState()
        .notify(
          r.ok ? 'ok' : 'error',
          r.ok ? `The backup from ${formatTime(s.createdAt)} is good.` : `Problems found: ${r.problems.join('; ')}`,
        );
    } catch (e) {
      setError(readableError(e));
    }
  }

  async function confirmDelete() {
    if (!deleting) return;
    setBusy(true);
    try {
      await remove(deleting.id);
      setDeleting(null);
    } catch (e) {
      setError(readableError(e));
      setDeleting(null);
    } finally {
      setBusy(false);
    }
  }

  function openRestore(s: Snapshot) {
    void useRestore.getState().pick(s.id);
    useUi.getState().setScreen('restore');
  }

  const groups = TIER_ORDER.map((tier) => ({ tier, items: snapshots.filter((s) => s.tier === tier) })).filter(
    (g) => g.items.length > 0,
  );

  return (
    <section className="card" aria-labelledby="snapshots-heading">
      <div className="card-header">
        <h2 id="snapshots-heading">Points in time</h2>
        <span className="muted small">{snapshots.length} kept</span>
      </div>
      <RunningWork kinds={['verify']} title="Verify progress" />
      <ErrorNotice error={error} title="That did not work" onDismiss={() => setError(null)} />
      {damaged.length > 0 && (
        <div className="alert alert-warn" role="alert" aria-labelledby="damaged-heading">
          <h3 id="damaged-heading">Backups that cannot be read ({damaged.length})</h3>
          <ul>
            {damaged.map((d) => (
              <li key={d.id}>
                {d.createdAt ? formatTime(d.createdAt) : d.id}: {d.reason}.{' '}
                {d.recoverable && (
                  <button type="button" className="btn" onClick={() => void verify(d.id)}>
                    Rebuild from its data
                  </button>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
      {loaded && groups.length === 0 && (
        <p className="empty">No backups yet. Press “Back up now” to make the first one.</p>
      )}
      {groups.map((g) => (
        <div className="tier-group" key={g.tier}>
          <h3 id={`tier-${g.tier}`}>
            {TIER_LABELS[g.tier]} <span className="muted small">({g.items.length})</span>
          </h3>
          <table className="snapshot-table" aria-labelledby={`tier-${g.tier}`}>
            <colgroup>
              <col className="col-made" />
              <col className="col-label" />
              <col className="col-size" />
              <col className="col-status" />
              <col className="col-actions" />
            </colgroup>
            <thead>
              <tr>
                <th scope="col">Made</th>
                <th scope="col">Label</th>
                <th scope="col" className="num">
                  Size
                </th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {g.items.map((s) => (
                <tr key={s.id} data-snapshot-id={s.id}>
                  <td>{formatTime(s.createdAt)}</td>
                  <td>{s.label ?? <span className="muted">—</span>}</td>
                  <td className="num">{formatBytes(s.stored.sizeBytes)}</td>
                  <td>
                    <VerifyStatus s={s} />
                  </td>
                  <td>
                    <div className="btn-row row-actions">
                      <button
                        type="button"
                        className="btn btn-small"
                        disabled={!!verifying[s.id]}
                        onClick={() => void runVerify(s)}
                      >
                        Verify
                      </button>
                      <button type="button" className="btn btn-small" onClick={() => openRestore(s)}>
                        Restore…
                      </button>
                      {s.tier === 'manual' && !s.pinned && (
                        <button type="button" className="btn btn-small btn-danger" onClick={() => setDeleting(s)}>
                          Delete
                        </button>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
      {deleting && (
        <ConfirmDialog
          title="Delete this backup?"
          confirmLabel="Delete backup"
          danger
          busy={busy}
          onConfirm={() => void confirmDelete()}
          onCancel={() => setDeleting(null)}
        >
          <p>
            The manual backup {deleting.label ? `“${deleting.label}” ` : ''}from {formatTime(deleting.createdAt)} will
            be removed for good. Your current data is not touched.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
