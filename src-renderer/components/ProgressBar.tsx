interface Props {
  label: string;
  done: number;
  total: number;
  phase?: string;
}

/** Determinate when total is known; until the first progress event it shows an indeterminate bar. */
export function ProgressBar({ label, done, total, phase }: Props) {
  const known = total > 0;
  const pct = known ? Math.min(100, Math.max(0, Math.round((done / total) * 100))) : 0;
  return (
    <div className={`progress${known ? '' : ' progress-indeterminate'}`}>
      <div className="progress-label">
        <span>
          {label}
          {phase ? ` · ${phase}` : ''}
        </span>
        {known ? <span aria-hidden="true">{pct}%</span> : <span aria-hidden="true">working…</span>}
      </div>
      <div
        className="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        {...(known ? { 'aria-valuenow': pct, 'aria-valuetext': `${pct}%${phase ? `, ${phase}` : ''}` } : {})}
      >
        <div className="progress-fill" style={known ? { width: `${pct}%` } : undefined} />
      </div>
    </div>
  );
}
