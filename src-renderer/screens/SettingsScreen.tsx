import { PageHeader } from '../components/PageHeader';
import { ErrorNotice } from '../components/ErrorNotice';
import { useSettings } from '../store/settings';
import { ScheduleForm } from './settings/ScheduleForm';
import { SettingsTransfer } from './settings/SettingsTransfer';
import { RestoreShortcut } from './settings/RestoreShortcut';

export function SettingsScreen() {
  const loadError = useSettings((s) => s.loadError);
  const load = useSettings((s) => s.load);
  return (
    <>
      <PageHeader title="Settings" intro="When Strata backs up, how long it keeps backups, and your settings file." />
      <ErrorNotice error={loadError} title="Settings could not be loaded" onRetry={() => void load()} />
      <ScheduleForm />
      <SettingsTransfer />
      <RestoreShortcut />
    </>
  );
}
