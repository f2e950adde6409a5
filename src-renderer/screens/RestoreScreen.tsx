import { PageHeader } from '../components/PageHeader';
import { CompareCard } from './restore/CompareCard';
import { PickSnapshot } from './restore/PickSnapshot';
import { RestoreOutcome } from './restore/RestoreOutcome';
import { PointInside } from './restore/PointInside';
import { PointInTime } from './restore/PointInTime';
import { SessionRestoreOutcome } from './restore/SessionRestoreOutcome';

export function RestoreScreen() {
  return (
    <>
      <PageHeader
        title="Restore"
        intro="Bring back what you lost from a point in time: single sessions, or everything. Strata keeps a copy of your data as it is now, so a restore can be undone."
      />
      <RestoreOutcome />
      <SessionRestoreOutcome />
      <PickSnapshot />
      <PointInside />
      <CompareCard />
      <PointInTime />
    </>
  );
}
