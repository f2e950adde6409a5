import { StrataError } from '../core/errors';
import { newRowId } from '../core/ids';
import type { SqliteDatabase } from '../db/connection';
import { latestLedger, removeLedger, writeLedger, type Ledger } from './restore-ledger';
import {
  deleteSessionRows,
  insertSessionRows,
  messageIdsTakenElsewhere,
  readSessionRows,
  sessionRowsHash,
  type SessionRows,
} from './session-rows';

/**
 * Bringing chosen sessions from a point into the live database, in one transaction with the
 * undo ledger, touching no other row: a message written since in another session stays.
 */

export type RestoreMode = 'replace' | 'copy';
export type RestoreAction = 'restored' | 'replaced' | 'copied' | 'unchanged';

export interface PlannedSession {
  sessionId: string;
  title: string;
  messageCount: number;
  action: RestoreAction;
}

export interface RestoredSession extends PlannedSession {
  /** The id it has now: the original, or the copy's new id. */
  liveSessionId: string;
}

const sameSession = (a: SessionRows, b: SessionRows) => sessionRowsHash(a) === sessionRowsHash(b);

/** What a restore of these ids would do now; nothing is written. */
export function planSessionRestore(
  live: SqliteDatabase,
  point: SqliteDatabase,
  sessionIds: readonly string[],
  mode: RestoreMode,
): { plan: PlannedSession[]; rows: Map<string, SessionRows> } {
  const rows = new Map<string, SessionRows>();
  const plan: PlannedSession[] = [];
  for (const id of new Set(sessionIds)) {
    const fromPoint = readSessionRows(point, id);
    if (!fromPoint) throw new StrataError('not_found', `Session ${id} is not in this point.`);
    rows.set(id, fromPoint);
    const current = readSessionRows(live, id);
    const action: RestoreAction = !current
      ? 'restored'
      : sameSession(current, fromPoint)
        ? 'unchanged'
        : mode === 'copy'
          ? 'copied'
          : 'replaced';
    if (action === 'restored' || action === 'replaced') {
      const taken = messageIdsTakenElsewhere(live, fromPoint);
      if (taken.length) {
        throw new StrataError(
          'session_conflict',
          `Session ${id} cannot come back with its own ids: ${taken.length} of its messages now belong to another session. Restore it as a copy.`,
        );
      }
    }
    plan.push({ sessionId: id, title: fromPoint.session.title, messageCount: fromPoint.messages.length, action });
  }
  return { plan, rows };
}

export const copyTitle = (title: string, at: number) =>
  `${title} (restored ${new Date(at).toISOString().slice(0, 10)})`;

function asCopy(rows: SessionRows, at: number): SessionRows {
  const id = newRowId();
  return {
    session: { ...rows.session, id, title: copyTitle(rows.session.title, at) },
    messages: rows.messages.map((m) => ({ ...m, id: newRowId(), session_id: id })),
  };
}

/**
 * Applies a plan in one IMMEDIATE transaction, re-planned inside it so a write that landed
 * since the preview is seen. The ledger commits with the rows, or nothing does.
 */
export function applySessionRestore(
  live: SqliteDatabase,
  point: SqliteDatabase,
  input: { pointId: string; sessionIds: readonly string[]; mode: RestoreMode; safetySnapshotId: string; at: number },
): RestoredSession[] {
  return live
    .transaction(() => {
      const { plan, rows } = planSessionRestore(live, point, input.sessionIds, input.mode);
      const ledger: Ledger = {
        version: 1,
        at: input.at,
        pointId: input.pointId,
        safetySnapshotId: input.safetySnapshotId,
        added: [],
        replaced: [],
        restoredHashes: {},
      };
      const out: RestoredSession[] = [];
      for (const p of plan) {
        const fromPoint = rows.get(p.sessionId)!;
        let liveSessionId = p.sessionId;
        if (p.action === 'restored') {
          insertSessionRows(live, fromPoint);
          ledger.added.push(p.sessionId);
        } else if (p.action === 'replaced') {
          ledger.replaced.push(readSessionRows(live, p.sessionId)!);
          deleteSessionRows(live, p.sessionId);
          insertSessionRows(live, fromPoint);
        } else if (p.action === 'copied') {
          const copy = asCopy(fromPoint, input.at);
          insertSessionRows(live, copy);
          ledger.added.push(copy.session.id);
          liveSessionId = copy.session.id;
        }
        if (p.action !== 'unchanged')
          ledger.restoredHashes[liveSessionId] = sessionRowsHash(readSessionRows(live, liveSessionId)!);
        out.push({ ...p, liveSessionId });
      }
      if (ledger.added.length || ledger.replaced.length) writeLedger(live, ledger);
      return out;
    })
    .immediate();
}

export interface UndoneRestore {
  pointId: string;
  safetySnapshotId: string;
  removed: string[];
  putBack: string[];
}

/** What undoing the last single-session restore would do, or null when there is none. */
export function peekUndo(live: SqliteDatabase): Ledger | null {
  const last = latestLedger(live);
  if (!last) return null;
  if (!last.ledger)
    throw new StrataError('corrupt', 'The record of the last session restore cannot be read; it cannot be undone.');
  return last.ledger;
}

/** Removes what the last restore added and puts back what it replaced, with its ledger, in one transaction. */
export function undoSessionRestore(live: SqliteDatabase): UndoneRestore {
  return live
    .transaction(() => {
      const last = latestLedger(live);
      if (!last) throw new StrataError('nothing_to_undo', 'There is no session restore to undo.');
      if (!last.ledger) {
        throw new StrataError('corrupt', 'The record of the last session restore cannot be read; it cannot be undone.');
      }
      const { ledger } = last;
      for (const [id, hash] of Object.entries(ledger.restoredHashes)) {
        const now = readSessionRows(live, id);
        if (!now || sessionRowsHash(now) !== hash) {
          throw new StrataError(
            'changed_since_restore',
            `Session ${id}${now ? ` ("${String(now.session.title)}")` : ''} was ${now ? 'changed' : 'deleted'} after it was restored; undo would lose that. The data from before the restore is kept in ${ledger.safetySnapshotId}.`,
          );
        }
      }
      for (const id of ledger.added) deleteSessionRows(live, id);
      for (const r of ledger.replaced) {
        deleteSessionRows(live, r.session.id);
        insertSessionRows(live, r);
      }
      removeLedger(live, last.extensionId);
      return {
        pointId: ledger.pointId,
        safetySnapshotId: ledger.safetySnapshotId,
        removed: ledger.added,
        putBack: ledger.replaced.map((r) => r.session.id),
      };
    })
    .immediate();
}
