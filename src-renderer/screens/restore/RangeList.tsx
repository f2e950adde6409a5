import { plural } from '../../format';
import { formatSecond, STARTED_BECAUSE, type ContinuousRange } from '../../moment-format';

/**
 * Every range of continuous protection, oldest first, and the gaps between them: a gap is where
 * changes may not have been recorded, and a restore never replays across one.
 */
export function RangeList({ ranges }: { ranges: ContinuousRange[] }) {
  return (
    <ol className="range-list" aria-label="Recorded ranges">
      {ranges.map((r, i) => {
        const prev = i > 0 ? ranges[i - 1]! : null;
        return [
          prev && (
            <li key={`gap-${r.generation}`} className="range-gap">
              <strong>Gap</strong>
              <span>
                Nothing is recorded between {formatSecond(prev.to)} and {formatSecond(r.from)}. A time in between gives
                your data as it was at {formatSecond(prev.to)}.
              </span>
            </li>
          ),
          <li key={r.generation} className="range-item" data-reason={r.startedBecause}>
            <strong>{STARTED_BECAUSE[r.startedBecause] ?? r.startedBecause}</strong>
            <span>
              {formatSecond(r.from)} to {formatSecond(r.to)} · {plural(r.commits, 'change')}
            </span>
          </li>,
        ];
      })}
    </ol>
  );
}
