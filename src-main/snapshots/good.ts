import { checkStatusOf, type SnapshotSidecar } from './sidecar';

/**
 * A snapshot counts as good when its creation check passed and no later verify found damage.
 * A verify that could not run (full disk, no permission) says nothing about the content, so it
 * never turns a good snapshot bad.
 */
export function isGoodSnapshot(s: Pick<SnapshotSidecar, 'check' | 'lastVerify'>): boolean {
  return s.check.ok && (!s.lastVerify || checkStatusOf(s.lastVerify) !== 'damaged');
}

export function isDamagedSnapshot(s: Pick<SnapshotSidecar, 'check' | 'lastVerify'>): boolean {
  return !isGoodSnapshot(s);
}
