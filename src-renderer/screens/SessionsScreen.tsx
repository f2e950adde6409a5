import { useState, type DragEvent } from 'react';
import { PageHeader } from '../components/PageHeader';
import { useTransfers } from '../store/transfers';
import { useSessions } from '../store/sessions';
import { useUi } from '../store/ui';
import { ImportArchive } from './sessions/ImportArchive';
import { NewSessionForm } from './sessions/NewSessionForm';
import { SessionList } from './sessions/SessionList';
import { SessionView } from './sessions/SessionView';

function hasFiles(e: DragEvent): boolean {
  return Array.from(e.dataTransfer.types).includes('Files');
}

export function SessionsScreen() {
  const [dragging, setDragging] = useState(false);
  const importDropped = useTransfers((s) => s.importDropped);
  const importing = useTransfers((s) => s.importing);

  async function onDrop(e: DragEvent) {
    if (!hasFiles(e)) return;
    e.preventDefault();
    setDragging(false);
    const file = e.dataTransfer.files[0];
    if (!file || importing) return;
    const r = await importDropped(file);
    if (r) {
      useUi.getState().notify('ok', `Imported “${r.title}” with ${r.messageCount} messages.`);
      await useSessions.getState().load();
      await useSessions.getState().select(r.sessionId);
    }
  }

  return (
    <div
      className="sessions-screen"
      onDragOver={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={(e) => void onDrop(e)}
    >
      <PageHeader title="Sessions" intro="Your conversations. Everything here is kept in one local file and backed up." />
      <ImportArchive dragging={dragging} />
      <div className="grid-2">
        <section className="card" aria-labelledby="session-list-heading">
          <h2 id="session-list-heading">All sessions</h2>
          <NewSessionForm />
          <SessionList />
        </section>
        <SessionView />
      </div>
    </div>
  );
}
