import { useProgress } from '../store/progress';
import { ProgressBar } from './ProgressBar';

const KIND_LABELS: Record<string, string> = {
  snapshot: 'Backing up',
  verify: 'Verifying',
  restore: 'Restoring',
  'undo-restore': 'Undoing the restore',
  export: 'Exporting',
  import: 'Importing',
  prune: 'Tidying old backups',
  drill: 'Test restore',
  open: 'Opening the backup',
  browse: 'Reading the backup',
  diff: 'Comparing with now',
  'session-restore': 'Restoring sessions',
  'undo-session-restore': 'Undoing the session restore',
  'recently-deleted': 'Looking for deleted sessions',
};

/** Progress bars for running work of the given kinds (from this window or from the scheduler). */
export function RunningWork({ kinds, title }: { kinds: string[]; title?: string }) {
  const running = useProgress((s) => s.running);
  const items = Object.values(running).filter((p) => kinds.includes(p.kind));
  return (
    <div aria-live="polite" className="running-work live-slot">
      {items.length > 0 && (
        <div className="progress-list">
          {title && <h3 className="visually-hidden">{title}</h3>}
          {items.map((p) => (
            <ProgressBar
              key={p.operationId}
              label={KIND_LABELS[p.kind] ?? p.kind}
              phase={p.phase === 'starting' ? '' : p.phase}
              done={p.done}
              total={p.total}
            />
          ))}
        </div>
      )}
    </div>
  );
}
