import { StrataError, toRendererErrorPayload, type ErrorPayload } from '../core/errors';
import type { StrataApp } from '../app/strata-app';
import { newOperationId } from '../app/events';
import { describeZodError } from '../contract/errors';
import { parseEvent, type EventName, type StrataEventMessage } from '../contract/events';
import { OPERATIONS, isOperationName, type OperationName } from '../contract/operations';
import type { Output, ParsedInput } from '../contract/types';
import type { TransferRegistry } from './transfer-registry';
import { createTransferServices, type TransferServices } from './transfer-services';
import type { SnapshotListing } from '../settings-transfer';
import { listPoints } from '../app/points-listing';

/**
 * The one implementation of the contract, shared by Electron IPC and the headless host.
 * Every call validates its input with the operation's zod schema before anything runs, and
 * its output with the output schema (which also strips fields such as file paths). Errors
 * become `{ code, message }`, never a stack.
 */

/**
 * What the handlers use of StrataApp, with the engine's own types: a change to what the engine
 * returns that no longer fits an operation's output fails to compile here.
 */
export type HandlerApp = Pick<
  StrataApp,
  'paths' | 'events' | 'db' | 'health' | 'prune' | 'backupConfig' | 'setBackupConfig' | 'beforeRiskyWrite'
> & {
  readonly points: Pick<
    StrataApp['points'],
    'browse' | 'diff' | 'leave' | 'previewRestore' | 'restoreSessions' | 'undoSessionRestore' | 'recentlyDeleted'
  >;
  readonly snapshots: Pick<
    StrataApp['snapshots'],
    | 'list'
    | 'scan'
    | 'create'
    | 'verify'
    | 'delete'
    | 'restore'
    | 'undoRestore'
    | 'compare'
    | 'storeStats'
    | 'restoreAt'
    | 'previewMoment'
    | 'store'
  >;
};

export type OperationReply = { ok: true; result: unknown } | { ok: false; error: ErrorPayload };

/** One operation's implementation: returns exactly what its contract says (sync or async). */
export type Impl<N extends OperationName> = (input: ParsedInput<N>) => Output<N> | Promise<Output<N>>;
export type Impls = { [N in OperationName]: Impl<N> };

export interface Handlers {
  /** Validates, runs and validates again; resolves to the reply, never rejects. */
  run(name: string, input: unknown): Promise<OperationReply>;
  /** An app event in the contract's shape, or null when it does not fit (it is then not sent). */
  toEvent(name: EventName, payload: unknown): StrataEventMessage | null;
  readonly transfers: TransferRegistry;
}

export interface HandlerOptions {
  transfers: TransferRegistry;
  /** Replaces the archive and settings-file functions (tests). */
  services?: TransferServices;
}

const opId = (given: string | undefined, kind: string) => given ?? newOperationId(kind);

/** ISO times sort as strings; equal times keep the engine's order. */
function newestFirst<T extends { createdAt: string }>(list: readonly T[]): T[] {
  return [...list].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
}

export function createHandlers(app: HandlerApp, opts: HandlerOptions): Handlers {
  const { transfers } = opts;
  const services = opts.services ?? createTransferServices();
  const changed = (reason: 'delete' | 'edit' | 'import' | 'settings') => app.events.emit('data-changed', { reason });

  /** Takes the safety snapshot before a risky write and hands back its id. */
  async function safetySnapshot(label: string): Promise<string> {
    return (await app.beforeRiskyWrite(label)).id;
  }

  const impls: Impls = {
    listSessions(i) {
      return {
        sessions: app.db.sessions.list({
          ...(i.search ? { search: i.search } : {}),
          ...(i.limit !== undefined ? { limit: i.limit } : {}),
          ...(i.offset !== undefined ? { offset: i.offset } : {}),
        }),
        totalSessions: app.db.sessions.count(),
      };
    },
    getSession(i) {
      const db = app.db;
      const session = db.sessions.get(i.sessionId);
      if (!session) throw new StrataError('not_found', 'That session no longer exists. Reload the list.');
      return {
        session,
        messageCount: db.messages.countForSession(session.id),
        messages: db.messages.listForSession(session.id, {
          ...(i.afterSequence !== undefined ? { afterSequence: i.afterSequence } : {}),
          limit: i.limit ?? 1000,
        }),
      };
    },
    createSession(i) {
      const s = app.db.sessions.create({ title: i.title, ...(i.model !== undefined ? { model: i.model } : {}) });
      changed('edit');
      return s;
    },
    addMessage(i) {
      const db = app.db;
      if (!db.sessions.get(i.sessionId)) {
        throw new StrataError('not_found', 'That session no longer exists. Reload the list.');
      }
      const m = db.messages.append(i.sessionId, {
        role: i.role,
        content: i.content,
        ...(i.tokenCount !== undefined ? { tokenCount: i.tokenCount } : {}),
      });
      changed('edit');
      return m;
    },
    deleteSession(i) {
      const deleted = app.db.sessions.delete(i.sessionId);
      if (deleted) changed('delete');
      return { deleted };
    },

    async listSnapshots() {
      const { entries, damaged } = app.snapshots.scan();
      return {
        snapshots: newestFirst(entries),
        damaged: damaged.map(({ id, reason, recoverable, tier, createdAt }) => ({
          id,
          reason,
          recoverable,
          tier,
          createdAt,
        })),
      };
    },
    createSnapshot(i) {
      return app.snapshots.create({
        tier: 'manual',
        ...(i.label ? { label: i.label } : {}),
        operationId: opId(i.operationId, 'snapshot'),
      });
    },
    verifySnapshot(i) {
      return app.snapshots.verify(i.snapshotId, { operationId: opId(i.operationId, 'verify') });
    },
    async deleteSnapshot(i) {
      await app.snapshots.delete(i.snapshotId);
      return { deleted: true };
    },
    compareSnapshot(i) {
      return app.snapshots.compare(i.snapshotId);
    },
    restoreSnapshot(i) {
      return app.snapshots.restore(i.snapshotId, { operationId: opId(i.operationId, 'restore') });
    },
    undoRestore(i) {
      return app.snapshots.undoRestore({ operationId: opId(i.operationId, 'undo-restore') });
    },
    listPoints() {
      return listPoints(app);
    },
    previewMoment(i) {
      return app.snapshots.previewMoment(i.at);
    },
    restoreToMoment(i) {
      return app.snapshots.restoreAt(i.at, { operationId: opId(i.operationId, 'restore') });
    },

    browsePoint(i) {
      return app.points.browse(i.point, {
        ...(i.search ? { search: i.search } : {}),
        ...(i.limit !== undefined ? { limit: i.limit } : {}),
        operationId: opId(i.operationId, 'browse'),
      });
    },
    diffPoint(i) {
      return app.points.diff(i.point, { operationId: opId(i.operationId, 'diff') });
    },
    leavePoint(i) {
      return { closed: app.points.leave(i.point) };
    },
    async previewSessionRestore(i) {
      return { sessions: await app.points.previewRestore(i.point, i.sessionIds, i.mode) };
    },
    restoreSessions(i) {
      return app.points.restoreSessions(i.point, i.sessionIds, i.mode, {
        operationId: opId(i.operationId, 'session-restore'),
      });
    },
    undoSessionRestore(i) {
      return app.points.undoSessionRestore({ operationId: opId(i.operationId, 'undo-session-restore') });
    },
    listRecentlyDeleted(i) {
      return app.points.recentlyDeleted({
        ...(i.days !== undefined ? { days: i.days } : {}),
        operationId: opId(i.operationId, 'recently-deleted'),
      });
    },

    async getHealth() {
      return app.health();
    },
    getBackupConfig() {
      return app.backupConfig();
    },
    async setBackupConfig(i) {
      await app.setBackupConfig(i);
      return app.backupConfig();
    },
    previewPrune() {
      return app.prune({ dryRun: true });
    },
    getStoreStats() {
      return app.snapshots.storeStats();
    },

    async exportSession(i) {
      const db = app.db;
      const session = db.sessions.get(i.sessionId);
      if (!session) throw new StrataError('not_found', 'That session no longer exists. Reload the list.');
      const operationId = opId(i.operationId, 'export');
      const fileName = services.sessionExportName(session.title, i.format);
      const entry = await transfers.createExport(fileName, (temp) =>
        services.exportSession({
          db,
          sessionId: session.id,
          format: i.format,
          outFile: temp,
          operationId,
          events: app.events,
        }),
      );
      return { transferId: entry.id, fileName: entry.fileName, bytes: entry.bytes };
    },
    async importArchive(i) {
      const entry = transfers.resolve(i.transferId);
      const result = await services.importArchive({
        db: app.db,
        file: entry.file,
        allowDuplicate: i.allowDuplicate,
        operationId: opId(i.operationId, 'import'),
        events: app.events,
        // The safety snapshot comes after the archive checked out, so a bad file costs nothing.
        beforeWrite: () => safetySnapshot('Before archive import'),
      });
      transfers.release(entry.id);
      changed('import');
      return result;
    },
    async exportSettings(i) {
      const db = app.db;
      const fileName = services.settingsExportName();
      const entry = await transfers.createExport(fileName, (temp) =>
        services.exportSettings({ db, includeSecrets: i.includeSecrets, outFile: temp }),
      );
      return { transferId: entry.id, fileName: entry.fileName, bytes: entry.bytes };
    },
    async previewSettingsImport(i) {
      const entry = transfers.resolve(i.transferId);
      return services.previewSettingsImport({
        db: app.db,
        file: entry.file,
        mode: i.mode,
        snapshots: (await app.snapshots.list()) as SnapshotListing[],
        now: Date.now(),
      });
    },
    async importSettings(i) {
      const entry = transfers.resolve(i.transferId);
      const result = await services.importSettings({
        db: app.db,
        file: entry.file,
        mode: i.mode,
        snapshots: (await app.snapshots.list()) as SnapshotListing[],
        now: Date.now(),
        acceptBackupChanges: i.acceptBackupChanges ?? false,
        // Only when the file checked out and something will change.
        beforeWrite: () => safetySnapshot('Before settings import'),
      });
      transfers.release(entry.id);
      changed('settings');
      return result;
    },
  };

  return {
    transfers,
    toEvent(name, payload) {
      return parseEvent(name, payload);
    },
    async run(name, input) {
      try {
        if (!isOperationName(name)) throw new StrataError('unknown_operation', `There is no operation called ${name}.`);
        const def = OPERATIONS[name];
        const parsed = def.input.safeParse(input ?? {});
        if (!parsed.success) throw new StrataError('invalid_input', describeZodError(parsed.error));
        // The implementations are checked against their outputs at compile time; the schema
        // parse below still strips what the caller must not see (file paths, fingerprints).
        const raw: unknown = await (impls[name] as (i: unknown) => unknown)(parsed.data);
        const out = def.output.safeParse(raw);
        if (!out.success) {
          // A mismatch is our bug, not the caller's: say so without internals.
          throw new StrataError(
            'internal',
            `The reply to ${name} did not match the contract (${describeZodError(out.error)}).`,
          );
        }
        return { ok: true, result: out.data };
      } catch (e) {
        return { ok: false, error: toRendererErrorPayload(e) };
      }
    },
  };
}
