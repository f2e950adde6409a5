import { useId } from 'react';
import { formatTime, plural } from '../../format';
import { usePoint } from '../../store/point';

export interface GroupItem {
  id: string;
  title: string;
  detail: string;
}

/** One group of the point's sessions (deleted since, changed since), each with a checkbox to pick it. */
export function SessionGroup({ title, items, empty }: { title: string; items: GroupItem[]; empty: string }) {
  const selected = usePoint((s) => s.selected);
  const toggle = usePoint((s) => s.toggle);
  const selectAll = usePoint((s) => s.selectAll);
  const busy = usePoint((s) => s.busy);
  const headingId = useId();
  const allOn = items.length > 0 && items.every((i) => selected.has(i.id));
  return (
    <section className="point-group" aria-labelledby={headingId}>
      <div className="point-group-header">
        <h3 id={headingId}>
          {title} <span className="muted">({items.length})</span>
        </h3>
        {items.length > 1 && (
          <button
            type="button"
            className="btn btn-small"
            disabled={busy}
            onClick={() =>
              selectAll(
                items.map((i) => i.id),
                !allOn,
              )
            }
          >
            {allOn ? `Clear ${title.toLowerCase()}` : `Select all ${title.toLowerCase()}`}
          </button>
        )}
      </div>
      {items.length === 0 ? (
        <p className="muted small">{empty}</p>
      ) : (
        <ul className="point-sessions">
          {items.map((i) => (
            <li key={i.id}>
              <label className="check">
                <input type="checkbox" checked={selected.has(i.id)} disabled={busy} onChange={() => toggle(i.id)} />
                <span>
                  <span className="point-session-title">{i.title}</span>
                  <span className="muted small"> · {i.detail}</span>
                </span>
              </label>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export const briefDetail = (s: { messageCount: number; lastMessageAt: number | null }) =>
  `${plural(s.messageCount, 'message')}${s.lastMessageAt !== null ? `, last ${formatTime(s.lastMessageAt)}` : ''}`;
