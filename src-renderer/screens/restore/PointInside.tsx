import { useEffect } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice';
import { RunningWork } from '../../components/RunningWork';
import { formatCount, plural } from '../../format';
import { usePoint } from '../../store/point';
import { useRestore } from '../../store/restore';
import { SessionGroup, briefDetail, type GroupItem } from './SessionGroup';
import { SessionRestoreDialog } from './SessionRestoreDialog';

/** Step 2: the point against now, grouped, searchable, with sessions to pick and restore. */
export function PointInside() {
  const snapshotId = useRestore((s) => s.snapshotId);
  const { diff, loading, error, search, found, selected, busy, restoreError, preview } = usePoint();
  const { setSearch, previewSelected, refresh } = usePoint.getState();

  useEffect(() => {
    void usePoint.getState().open(snapshotId);
  }, [snapshotId]);
  // Leaving the screen lets the point's private copy go.
  useEffect(() => () => void usePoint.getState().open(null), []);

  if (!snapshotId) return null;
  const shown = (id: string) => found === null || found.has(id);
  const deleted: GroupItem[] = (diff?.deletedSince ?? [])
    .filter((s) => shown(s.id))
    .map((s) => ({ id: s.id, title: s.title, detail: briefDetail(s) }));
  const changed: GroupItem[] = (diff?.changed ?? [])
    .filter((c) => shown(c.id))
    .map((c) => ({
      id: c.id,
      title: c.point.title,
      detail: [
        c.titleChanged ? `now called “${c.now.title}”` : null,
        `${formatCount(c.point.messageCount)} then, ${formatCount(c.now.messageCount)} now`,
        c.messagesAdded ? `${plural(c.messagesAdded, 'message')} added since` : null,
        c.messagesRemoved ? `${plural(c.messagesRemoved, 'message')} removed since` : null,
        c.messagesEdited ? `${plural(c.messagesEdited, 'message')} edited since` : null,
        c.detailsChanged ? 'details changed' : null,
      ]
        .filter(Boolean)
        .join(', '),
    }));
  const unchanged = (diff?.unchanged ?? []).filter((s) => shown(s.id));
  const t = diff?.totals;

  return (
    <section className="card" aria-labelledby="inside-heading">
      <h2 id="inside-heading">2. See inside it</h2>
      {loading && !diff && <p className="muted">Reading the backup…</p>}
      <RunningWork kinds={['open', 'diff']} title="Reading the backup" />
      <ErrorNotice error={error} title="The backup could not be read" onRetry={() => void refresh()} />
      {diff && t && (
        <>
          <p>
            Since this backup: {plural(t.deletedSince, 'session')} deleted, {plural(t.changed, 'session')} changed,{' '}
            {plural(t.createdSince, 'session')} created; {formatCount(t.unchanged)} unchanged.
            {t.settingsChanged > 0 && ` ${plural(t.settingsChanged, 'setting')} differ.`}
          </p>
          <div className="field">
            <label htmlFor="point-search">Search in this backup</label>
            <input
              id="point-search"
              type="search"
              value={search}
              placeholder="Title or message text"
              onChange={(e) => void setSearch(e.target.value)}
            />
            {found !== null && (
              <span className="hint" role="status">
                {plural(found.size, 'session')} in this backup match.
              </span>
            )}
          </div>
          <SessionGroup title="Deleted since" items={deleted} empty="No session was deleted since this backup." />
          <SessionGroup title="Changed since" items={changed} empty="No session changed since this backup." />
          <details className="point-group">
            <summary>
              Unchanged <span className="muted">({unchanged.length})</span>
            </summary>
            <ul className="point-sessions">
              {unchanged.slice(0, 500).map((s) => (
                <li key={s.id}>
                  <span className="point-session-title">{s.title}</span>
                  <span className="muted small"> · {briefDetail(s)}</span>
                </li>
              ))}
            </ul>
          </details>
          {t.createdSince > 0 && (
            <p className="muted small">
              {plural(t.createdSince, 'session')} created since this backup stay when you restore single sessions.
            </p>
          )}
          <div className="btn-row">
            <button
              type="button"
              className="btn btn-primary"
              disabled={selected.size === 0 || busy}
              onClick={() => void previewSelected()}
            >
              Restore selected sessions
            </button>
            <span className="muted small">
              {selected.size === 0
                ? 'Pick sessions above. Nothing else changes.'
                : `${plural(selected.size, 'session')} picked. Nothing else changes, and you can undo it.`}
            </span>
          </div>
        </>
      )}
      <RunningWork kinds={['session-restore', 'undo-session-restore']} title="Session restore progress" />
      <ErrorNotice error={restoreError} title="The session restore did not go through" />
      {preview && <SessionRestoreDialog />}
    </section>
  );
}
