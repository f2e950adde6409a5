import { useState, type DragEvent } from 'react';
import { PageHeader } from '../components/PageHeader';
import { useTransfers } from '../store/transfers';
import { afterImport, ImportArchiveButton, ImportOutcome } from './sessions/ImportArchive';
import { NewSessionForm } from './sessions/NewSessionForm';
import { SessionList } from './sessions/SessionList';
import { SessionView } from './sessions/SessionView';
import { RecentlyDeletedButton, RecentlyDeletedPanel } from './sessions/RecentlyDeleted';

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
    await afterImport(await importDropped(file));
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
      <PageHeader title="Sessions" intro="Your conversations. Everything here is kept in one local file and backed up.">
        <ImportArchiveButton />
        <RecentlyDeletedButton />
      </PageHeader>
      <p id="import-hint" className="muted small drop-hint">
        Import a Strata session archive with the button, or drop the file anywhere on this screen. It is added as a new
        session; nothing here is overwritten.
      </p>
      <ImportOutcome dragging={dragging} />
      <RecentlyDeletedPanel />
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
