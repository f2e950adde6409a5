import { useEffect, useRef } from 'react';
import { HealthBadge } from './components/HealthBadge';
import { ThemeSelect } from './components/ThemeSelect';
import { Toasts } from './components/Toasts';
import { BackupsScreen } from './screens/BackupsScreen';
import { RestoreScreen } from './screens/RestoreScreen';
import { SessionsScreen } from './screens/SessionsScreen';
import { SettingsScreen } from './screens/SettingsScreen';
import { useBackups } from './store/backups';
import { connectEvents, reloadAll } from './store/events';
import { useSessions } from './store/sessions';
import { screenFromHash, useUi, type Screen } from './store/ui';

const SCREENS: { id: Screen; label: string }[] = [
  { id: 'sessions', label: 'Sessions' },
  { id: 'backups', label: 'Backups' },
  { id: 'restore', label: 'Restore' },
  { id: 'settings', label: 'Settings' },
];

export function App() {
  const screen = useUi((s) => s.screen);
  const setScreen = useUi((s) => s.setScreen);
  const health = useBackups((s) => s.health);
  // strata.db is gone but backups of it exist: the only useful place is Restore, with the reason.
  const sessionsError = useSessions((s) => s.error);
  const databaseMissing = sessionsError?.code === 'database_missing' ? sessionsError.message : null;
  const mainRef = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  useEffect(() => {
    const off = connectEvents();
    reloadAll();
    const onHash = () => useUi.getState().setScreen(screenFromHash(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => {
      off();
      window.removeEventListener('hashchange', onHash);
    };
  }, []);

  useEffect(() => {
    if (databaseMissing) useUi.getState().setScreen('restore');
  }, [databaseMissing]);

  // Moving to another screen moves focus to its heading, so keyboard and screen-reader users land there.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    mainRef.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [screen]);

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="sidebar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          <span>Strata</span>
        </div>
        <nav className="nav" aria-label="Main">
          <ul>
            {SCREENS.map((s) => (
              <li key={s.id}>
                <a href={`#/${s.id}`} aria-current={screen === s.id ? 'page' : undefined}>
                  {s.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="sidebar-footer">
          <button
            type="button"
            className="status-link"
            onClick={() => setScreen('backups')}
            aria-label={`Protection status: ${health ? health.status : 'checking'}. Open Backups`}
          >
            <HealthBadge health={health} />
          </button>
          <ThemeSelect />
        </div>
      </header>
      <main id="main" ref={mainRef} className="main" tabIndex={-1}>
        {screen === 'sessions' && <SessionsScreen />}
        {screen === 'backups' && <BackupsScreen />}
        {screen === 'restore' && databaseMissing && (
          <div className="alert alert-error" role="alert">
            <strong>Your database is missing</strong>
            <span>{databaseMissing}</span>
            <span>Pick a point in time below to bring your data back.</span>
          </div>
        )}
        {screen === 'restore' && <RestoreScreen />}
        {screen === 'settings' && <SettingsScreen />}
      </main>
      <Toasts />
    </div>
  );
}
