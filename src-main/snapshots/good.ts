import { checkStatusOf } from './sidecar';

/** Just what the judgement reads, so listings from other modules can be judged too. */
interface Checked {
  check: { ok: boolean };
  lastVerify?: { ok: boolean; status?: 'ok' | 'damaged' | 'unchecked' } | null;
}

/**
 * A snapshot counts as good when its creation check passed and no later verify found damage.
 * A verify that could not run (full disk, no permission) says nothing about the content, so it
 * never turns a good snapshot bad.
 */
export function isGoodSnapshot(s: Checked): boolean {
  return s.check.ok && (!s.lastVerify || checkStatusOf(s.lastVerify) !== 'damaged');
}
