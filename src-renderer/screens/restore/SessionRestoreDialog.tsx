import { ConfirmDialog } from '../../components/Dialog';
import { plural } from '../../format';
import { usePoint } from '../../store/point';

const WHAT: Record<string, string> = {
  restored: 'comes back as it was',
  replaced: 'still exists and differs from the backup',
  unchanged: 'is the same now; nothing to do',
};

/**
 * The preview before a session restore. When a picked session still exists but differs, the
 * person chooses: keep both (a copy) or replace the current version (kept in a safety backup).
 */
export function SessionRestoreDialog() {
  const preview = usePoint((s) => s.preview)!;
  const busy = usePoint((s) => s.busy);
  const { restoreSelected, cancelPreview } = usePoint.getState();
  const conflicts = preview.filter((p) => p.action === 'replaced').length;
  return (
    <ConfirmDialog
      title="Restore these sessions?"
      confirmLabel={conflicts ? 'Replace current version' : 'Yes, restore'}
      busy={busy}
      {...(conflicts ? { alternative: { label: 'Restore as copy', onClick: () => void restoreSelected('copy') } } : {})}
      onConfirm={() => void restoreSelected('replace')}
      onCancel={cancelPreview}
    >
      <ul className="point-sessions" aria-label="What the restore will do">
        {preview.map((p) => (
          <li key={p.sessionId}>
            <strong>{p.title}</strong> ({plural(p.messageCount, 'message')}) {WHAT[p.action] ?? p.action}.
          </li>
        ))}
      </ul>
      {conflicts > 0 && (
        <p>
          “Restore as copy” keeps the current {conflicts === 1 ? 'version' : 'versions'} and adds the backup’s as a new
          session marked “restored”. “Replace current version” puts the backup’s in its place.
        </p>
      )}
      <p className="muted small">
        A safety backup of your data as it is now is made first. Every other session and setting stays as it is, and
        “Undo session restore” takes this back.
      </p>
    </ConfirmDialog>
  );
}
