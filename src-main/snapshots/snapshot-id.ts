import crypto from 'node:crypto';

/**
 * Snapshot ids: `<UTC time to the millisecond>-<tier>-<6 hex>`, e.g.
 * `20261123T093435613Z-manual-4d7d56`. They sort by time, name their tier for people reading a
 * folder listing, and let a stored file whose metadata was lost still say when it was taken.
 */
const ID_SYNTAX = /^[0-9A-Za-z-]{8,80}$/;
const ID_PARTS = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-([a-z-]+)-[0-9a-f]{6}$/;

export function newSnapshotId(tier: string, at: number): string {
  const stamp = new Date(at).toISOString().replace(/[-:.]/g, '');
  return `${stamp}-${tier}-${crypto.randomBytes(3).toString('hex')}`;
}

/** The loose syntax every id (including ones from older versions) has; safe to use in a file name. */
export function isSnapshotIdSyntax(id: string): boolean {
  return ID_SYNTAX.test(id);
}

/** Time and tier from an id this version wrote; null for anything else. */
export function parseSnapshotId(id: string): { createdAt: number; tier: string } | null {
  const m = ID_PARTS.exec(id);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, ms, tier] = m;
  const createdAt = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);
  return Number.isFinite(createdAt) ? { createdAt, tier: tier! } : null;
}
