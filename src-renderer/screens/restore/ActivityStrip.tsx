import { plural } from '../../format';
import { formatClock, formatSecond, type ContinuousRange } from '../../moment-format';

/** Enough bars to read the shape of a day at a glance, few enough to stay a few pixels wide. */
const MAX_BARS = 60;
const MINUTE = 60_000;

interface Bar {
  from: number;
  to: number;
  commits: number;
}

/** A short range still gets a readable strip: at least this many minutes, ending with it. */
const MIN_WINDOW_MINUTES = 30;

/**
 * Commits per minute over the range, grouped into at most MAX_BARS equal spans of whole minutes.
 * A range shorter than MIN_WINDOW_MINUTES is shown in a window that begins before it.
 */
export function bars(range: ContinuousRange): Bar[] {
  const end = Math.floor(range.to / MINUTE) * MINUTE + MINUTE;
  const start = Math.min(Math.floor(range.from / MINUTE) * MINUTE, end - MIN_WINDOW_MINUTES * MINUTE);
  const minutes = Math.round((end - start) / MINUTE);
  const per = Math.ceil(minutes / MAX_BARS);
  const count = Math.ceil(minutes / per);
  const out: Bar[] = Array.from({ length: count }, (_, i) => ({
    from: start + i * per * MINUTE,
    to: Math.min(end, start + (i + 1) * per * MINUTE),
    commits: 0,
  }));
  for (const m of range.perMinute) {
    const i = Math.min(count - 1, Math.max(0, Math.floor((m.minute - start) / (per * MINUTE))));
    out[i]!.commits += m.commits;
  }
  return out;
}

/** The activity in one range as a bar strip, with the chosen moment marked on it. */
export function ActivityStrip({ range, at }: { range: ContinuousRange; at: number | null }) {
  const list = bars(range);
  const peak = Math.max(1, ...list.map((b) => b.commits));
  const start = list[0]!.from;
  const end = list.at(-1)!.to;
  const span = end - start;
  const x = (t: number) => ((t - start) / span) * 100;
  const busiest = list.reduce((a, b) => (b.commits > a.commits ? b : a), list[0]!);
  const summary =
    `Changes from ${formatSecond(range.from)} to ${formatSecond(range.to)}: ${plural(range.commits, 'change')}` +
    (range.commits > 0
      ? `, busiest around ${formatClock(busiest.from)} with ${plural(busiest.commits, 'change')}.`
      : '.');
  const marked = at !== null && at >= start && at <= end;

  return (
    <figure className="activity">
      <span className="small activity-title">Changes per minute in this range</span>
      <svg
        className="activity-bars"
        viewBox="0 0 100 40"
        preserveAspectRatio="none"
        role="img"
        aria-label={summary}
        data-testid="activity-strip"
      >
        {range.from > start && (
          <rect className="activity-outside" x="0" y="0" width={x(range.from)} height="40">
            <title>Before this range</title>
          </rect>
        )}
        <line className="activity-axis" x1="0" y1="39.5" x2="100" y2="39.5" />
        {list.map((b) => {
          const h = b.commits === 0 ? 0 : Math.max(2, (b.commits / peak) * 38);
          const w = x(b.to) - x(b.from);
          return (
            <rect key={b.from} className="activity-bar" x={x(b.from) + w * 0.1} y={39 - h} width={w * 0.8} height={h}>
              <title>{`${formatClock(b.from)}: ${plural(b.commits, 'change')}`}</title>
            </rect>
          );
        })}
        {marked && <line className="activity-marker" x1={x(at)} y1="0" x2={x(at)} y2="40" />}
      </svg>
      <figcaption className="activity-scale muted small">
        <span>{formatClock(start)}</span>
        <span>
          {list.length > 1
            ? `${plural(Math.round((list[0]!.to - list[0]!.from) / MINUTE), 'minute')} a bar`
            : 'one minute'}
        </span>
        <span>{formatClock(end)}</span>
      </figcaption>
      {(marked || range.from > start) && (
        <p className="muted small activity-note">
          {[
            marked ? 'The line marks the chosen time.' : '',
            range.from > start ? 'The shaded part is before this range began.' : '',
          ]
            .filter(Boolean)
            .join(' ')}
        </p>
      )}
    </figure>
  );
}
