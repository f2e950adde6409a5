import { PageHeader } from '../components/PageHeader';
import { CompareCard } from './restore/CompareCard';
import { PickSnapshot } from './restore/PickSnapshot';
import { RestoreOutcome } from './restore/RestoreOutcome';

export function RestoreScreen() {
  return (
    <>
      <PageHeader
        title="Restore"
        intro="Go back to a point in time. Strata keeps a copy of your data as it is now, so a restore can be undone."
      />
      <RestoreOutcome />
      <PickSnapshot />
      <CompareCard />
    </>
  );
}
