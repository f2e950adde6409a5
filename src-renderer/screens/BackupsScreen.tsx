import { ErrorNotice } from '../components/ErrorNotice';
import { PageHeader } from '../components/PageHeader';
import { useBackups } from '../store/backups';
import { BackUpNow } from './backups/BackUpNow';
import { HealthCard } from './backups/HealthCard';
import { SnapshotList } from './backups/SnapshotList';

export function BackupsScreen() {
  const error = useBackups((s) => s.error);
  const load = useBackups((s) => s.load);
  return (
    <>
      <PageHeader
        title="Backups"
        intro="Strata copies your data in the background. Check here that it is protected, or make a copy now."
      />
      <ErrorNotice error={error} title="Backups could not be loaded" onRetry={() => void load()} />
      <HealthCard />
      <BackUpNow />
      <SnapshotList />
    </>
  );
}
