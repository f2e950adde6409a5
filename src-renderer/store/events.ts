import { api } from '../api/client';
import { useBackups } from './backups';
import { useMoment } from './moment';
import { usePoint } from './point';
import { useProgress } from './progress';
import { useRestore } from './restore';
import { useSessions } from './sessions';
import { useSettings } from './settings';
import { useUi } from './ui';

/** Every screen reloads after the data under it changed (restore, undo, import, retention...). */
export function reloadAll(): void {
  void useSessions.getState().load();
  void useBackups.getState().load();
  void useRestore.getState().refreshComparison();
  // What was recorded changes with every commit; read it again only where it is on screen.
  if (useUi.getState().screen === 'restore') void useMoment.getState().load();
  void useSettings.getState().load();
  // An open point's diff is against now, so it follows the data.
  void usePoint.getState().refresh();
}

let backupsReload: ReturnType<typeof setTimeout> | null = null;

/** Connects the event stream to the stores; returns the unsubscribe function. */
export function connectEvents(): () => void {
  return api.onEvent((e) => {
    switch (e.name) {
      case 'progress':
        useProgress.getState().update(e.payload);
        break;
      case 'health':
        useBackups.getState().setHealth(e.payload);
        // A background backup or prune ran: refresh the list too, at most a few times a second.
        if (backupsReload) clearTimeout(backupsReload);
        backupsReload = setTimeout(() => void useBackups.getState().load(), 250);
        break;
      case 'data-changed':
        reloadAll();
        break;
      case 'alert':
        useUi
          .getState()
          .notify(e.payload.level === 'error' ? 'error' : 'warn', `${e.payload.title}: ${e.payload.message}`);
        break;
    }
  });
}
