import crypto from 'node:crypto';
import { z } from 'zod';
import type { SqliteDatabase } from '../db/connection';

/**
 * What undo needs after a single-session restore, kept in the live database's own
 * `extension_data` table and written in the same transaction as the restore. A kill at any
 * instant therefore leaves both or neither: there is no second file to reconcile with the
 * database at start-up, and a whole-database restore brings back the ledger that matches
 * the data it brings back. Replaced sessions are kept here row for row (they are also in the
 * pinned safety snapshot), so undo puts back exactly what was there, without reopening a point.
 */
export const LEDGER_TYPE = 'strata.session-restore';
const KEEP = 10;

const rowSchema = z.record(z.string(), z.unknown());

export const ledgerSchema = z.object({
  version: z.literal(1),
  at: z.number(),
  pointId: z.string(),
  safetySnapshotId: z.string(),
  /** Sessions that did not exist before (restored with their ids, or copies): undo removes them. */
  added: z.array(z.string()),
  /** Hash of each session's rows as the restore wrote them: undo refuses to discard later changes. */
  restoredHashes: z.record(z.string(), z.string()),
  /** Sessions overwritten by the point's version: undo puts these rows back. */
  replaced: z.array(
    z.object({
      session: rowSchema.and(z.object({ id: z.string(), title: z.string() })),
      messages: z.array(rowSchema.and(z.object({ id: z.string(), session_id: z.string() }))),
    }),
  ),
});
export type Ledger = z.infer<typeof ledgerSchema>;

export function writeLedger(db: SqliteDatabase, ledger: Ledger): string {
  const extensionId = `${LEDGER_TYPE}.${ledger.at}.${crypto.randomBytes(4).toString('hex')}`;
  db.prepare(
    `INSERT INTO extension_data (extension_id, data_type, data, version, created_at, updated_at)
     VALUES (?, ?, ?, 1, ?, ?)`,
  ).run(extensionId, LEDGER_TYPE, JSON.stringify(ledger), ledger.at, ledger.at);
  // Only recent restores can be undone; older ledgers would only grow the database.
  db.prepare(
    `DELETE FROM extension_data WHERE data_type = ? AND id NOT IN
       (SELECT id FROM extension_data WHERE data_type = ? ORDER BY id DESC LIMIT ${KEEP})`,
  ).run(LEDGER_TYPE, LEDGER_TYPE);
  return extensionId;
}

/** The most recent restore that was not undone, or null. A ledger that does not parse is refused, not guessed at. */
export function latestLedger(
  db: SqliteDatabase,
): { extensionId: string; ledger: Ledger } | { extensionId: string; ledger: null } | null {
  const row = db
    .prepare(`SELECT extension_id, data FROM extension_data WHERE data_type = ? ORDER BY id DESC LIMIT 1`)
    .get(LEDGER_TYPE) as { extension_id: string; data: string } | undefined;
  if (!row) return null;
  let parsed: ReturnType<typeof ledgerSchema.safeParse>;
  try {
    parsed = ledgerSchema.safeParse(JSON.parse(row.data));
  } catch {
    return { extensionId: row.extension_id, ledger: null };
  }
  return { extensionId: row.extension_id, ledger: parsed.success ? parsed.data : null };
}

export function removeLedger(db: SqliteDatabase, extensionId: string): void {
  db.prepare('DELETE FROM extension_data WHERE extension_id = ?').run(extensionId);
}
