/** The facts about a snapshot that decide whether it can be restored. */
export interface GoodnessFacts {
  check: { ok: boolean };
  lastVerify?: { ok: boolean } | null;
}

/**
 * A snapshot is good when its check at creation passed and its latest verify (if any) did not
 * find it damaged. Health, the drill's choice of snapshot, retention and the rolling verify all
 * ask this one question, so they can never disagree about what is restorable.
 */
export function isGoodSnapshot(s: GoodnessFacts): boolean {
  return s.check.ok && (s.lastVerify?.ok ?? true);
}
