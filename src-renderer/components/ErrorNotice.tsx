import type { ReadableError } from '../api/errors';

interface Props {
  error: ReadableError | null;
  title?: string;
  onRetry?: () => void;
  onDismiss?: () => void;
}

/** A failure in words: what happened and what to do next. */
export function ErrorNotice({ error, title = 'That did not work', onRetry, onDismiss }: Props) {
  if (!error) return null;
  return (
    <div className="alert alert-error" role="alert">
      <strong>{title}</strong>
      <span>{error.message}</span>
      <span>{error.next}</span>
      {(onRetry || onDismiss) && (
        <div className="btn-row alert-actions">
          {onRetry && (
            <button type="button" className="btn btn-small" onClick={onRetry}>
              Try again
            </button>
          )}
          {onDismiss && (
            <button type="button" className="btn btn-small" onClick={onDismiss}>
              Dismiss
            </button>
          )}
        </div>
      )}
    </div>
  );
}
