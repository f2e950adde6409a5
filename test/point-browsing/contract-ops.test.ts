import { describe, expect, it } from 'vitest';
import { createHandlers } from '../../src-main/operations/handlers';
import { TransferRegistry } from '../../src-main/operations/transfer-registry';
import type { ProgressEvent } from '../../src-main/app/events';
import { tempDir } from '../helpers/temp-dir';
import { openApp, seedSessions } from './fixtures';

describe('the point operations through the contract', () => {
  it('browse, search, diff, preview, restore, undo and recently deleted, with progress and checked input', async () => {
    const dir = tempDir('strata-point-ops-');
    const app = await openApp(dir);
    const progress: ProgressEvent[] = [];
    app.events.on('progress', (p) => progress.push(p));
    try {
      const handlers = createHandlers(app, { transfers: TransferRegistry.open(app.paths.transfers) });
      const ok = async (name: string, input: unknown) => {
        const r = await handlers.run(name, input);
        if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
        return r.result as Record<string, unknown> & { [k: string]: never };
      };
      const [gone, kept] = seedSessions(app, 3, 4, 'ops');
      const snap = await app.snapshots.create({ tier: 'manual' });
      app.db.sessions.delete(gone!);
      app.db.messages.append(kept!, { role: 'user', content: 'since' });
      const point = { snapshotId: snap.id };

      const browsed = (await ok('browsePoint', { point, operationId: 'op-browse' })) as unknown as { total: number };
      expect(browsed.total).toBe(3);
      const found = (await ok('browsePoint', { point, search: 'ops-0-message-3' })) as unknown as {
        sessions: { id: string; inMessages: boolean }[];
      };
      expect(found.sessions).toEqual([expect.objectContaining({ id: gone, inMessages: true })]);
      const diff = (await ok('diffPoint', { point, operationId: 'op-diff' })) as unknown as {
        totals: Record<string, unknown>;
        changed: { id: string; messagesAdded: number }[];
      };
      expect(diff.totals).toMatchObject({ deletedSince: 1, createdSince: 0, changed: 1, unchanged: 1 });
      expect(diff.changed).toEqual([expect.objectContaining({ id: kept, messagesAdded: 1 })]);
      expect(progress.some((p) => p.operationId === 'op-diff' && p.finished && !p.error)).toBe(true);

      const preview = await ok('previewSessionRestore', { point, sessionIds: [gone, kept], mode: 'copy' });
      expect((preview as unknown as { sessions: { action: string }[] }).sessions.map((s) => s.action)).toEqual([
        'restored',
        'copied',
      ]);
      const restored = (await ok('restoreSessions', { point, sessionIds: [gone], mode: 'replace' })) as unknown as {
        safetySnapshotId: string;
      };
      expect(app.db.sessions.get(gone!)).not.toBeNull();
      const undone = (await ok('undoSessionRestore', {})) as unknown as { safetySnapshotId: string; removed: string[] };
      expect(undone).toMatchObject({ safetySnapshotId: restored.safetySnapshotId, removed: [gone] });
      const deleted = (await ok('listRecentlyDeleted', { days: 30 })) as unknown as {
        sessions: { sessionId: string }[];
      };
      expect(deleted.sessions.map((s) => s.sessionId)).toEqual([gone]);
      expect(await ok('leavePoint', { point })).toEqual({ closed: true });

      // Bad input is refused before anything runs.
      for (const [name, input] of [
        ['browsePoint', { point: { snapshotId: '../etc' } }],
        ['restoreSessions', { point, sessionIds: [], mode: 'replace' }],
        ['restoreSessions', { point, sessionIds: [gone], mode: 'merge' }],
        ['diffPoint', { point, extra: 1 }],
        ['listRecentlyDeleted', { days: 0 }],
      ] as const) {
        expect(await handlers.run(name, input)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
      }
      expect(await handlers.run('undoSessionRestore', {})).toMatchObject({
        ok: false,
        error: { code: 'nothing_to_undo' },
      });
      expect(await handlers.run('diffPoint', { point: { snapshotId: 'no-such-snapshot' } })).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      });
    } finally {
      await app.close();
    }
  });
});
