import { ErrorNotice } from '../../components/ErrorNotice';
import { formatRelative, plural } from '../../format';
import { useSessions } from '../../store/sessions';

export function SessionList() {
  const { sessions, totalSessions, search, setSearch, selectedId, select, loading, error, load } = useSessions();
  return (
    <>
      <div className="field">
        <label htmlFor="session-search">Search sessions</label>
        <input
          id="session-search"
          type="search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          placeholder="Search by title"
        />
      </div>
      <ErrorNotice error={error} title="Sessions could not be loaded" onRetry={() => void load()} />
      <p className="muted small" aria-live="polite">
        {search.trim()
          ? `${plural(sessions.length, 'session')} match “${search.trim()}”`
          : `${plural(totalSessions, 'session')}`}
        {loading ? ' · loading…' : ''}
      </p>
      {sessions.length === 0 ? (
        <p className="empty">{search.trim() ? 'No session title matches.' : 'No sessions yet. Create one above.'}</p>
      ) : (
        <ul className="session-list" aria-label="Sessions">
          {sessions.map((s) => (
            <li key={s.id}>
              <button
                type="button"
                className="session-item"
                aria-current={s.id === selectedId ? 'true' : undefined}
                onClick={() => void select(s.id)}
              >
                <span className="session-title">{s.title}</span>
                <span className="muted small">
                  {plural(s.messageCount, 'message')} · {formatRelative(s.updatedAt)}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
