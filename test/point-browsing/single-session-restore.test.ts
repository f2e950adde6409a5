import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir';
import { dbFileOf, integrityCheck } from '../helpers/snapshot-fixtures';
import { count, openApp, seedSessions, tablesByKey } from './fixtures';

describe('single-session restore from a point', () => {
  it('brings back a deleted session with every message and leaves a newer message elsewhere in place', async () => {
    const dir = tempDir('strata-ssr-deleted-');
    const app = await openApp(dir);
    try {
      const [gone, other, third] = seedSessions(app, 3, 7, 'a');
      const point = await app.snapshots.create({ tier: 'manual' });
      const goneMessages = app.db.messages.listForSession(gone!, { limit: 100 });
      app.db.sessions.delete(gone!);
      const newer = app.db.messages.append(other!, { role: 'user', content: 'written after the point' });
      const before = {
        sessions: app.db.sessions.count(),
        messages: count(dbFileOf(dir), 'SELECT COUNT(*) AS n FROM messages'),
      };

      const r = await app.points.restoreSessions(point.id, [gone!], 'replace');
      expect(r.sessions).toEqual([
        expect.objectContaining({ sessionId: gone, liveSessionId: gone, action: 'restored', messageCount: 7 }),
      ]);
      expect(r.safetySnapshotId).toBeTruthy();
      expect(app.snapshots.get(r.safetySnapshotId!).pinned).toBe(true);

      expect(app.db.messages.listForSession(gone!, { limit: 100 })).toEqual(goneMessages);
      expect(app.db.messages.listForSession(other!, { limit: 100 }).map((m) => m.id)).toContain(newer.id);
      expect(app.db.messages.countForSession(other!)).toBe(8);
      expect(app.db.messages.countForSession(third!)).toBe(7);
      expect(app.db.sessions.count()).toBe(before.sessions + 1);
      expect(count(dbFileOf(dir), 'SELECT COUNT(*) AS n FROM messages')).toBe(before.messages + 7);
      // The triggers' totals agree with the rows.
      expect(count(dbFileOf(dir), 'SELECT total_messages AS n FROM database_metadata')).toBe(before.messages + 7);
    } finally {
      await app.close();
    }
    expect(integrityCheck(dbFileOf(dir))).toEqual(['ok']);
  });

  it('replace, then undo: every table is as it was before, row for row', async () => {
    const dir = tempDir('strata-ssr-undo-');
    const app = await openApp(dir);
    try {
      const [edited, , deleted] = seedSessions(app, 4, 5, 'b');
      app.db.settings.set('theme', 'dark');
      const point = await app.snapshots.create({ tier: 'manual' });
      app.db.sessions.rename(edited!, 'renamed since');
      app.db.messages.append(edited!, { role: 'user', content: 'new since the point' });
      app.db.sessions.delete(deleted!);
      app.db.settings.set('theme', 'light');
      const before = tablesByKey(dbFileOf(dir));

      const r = await app.points.restoreSessions(point.id, [edited!, deleted!], 'replace');
      expect(r.sessions.map((s) => s.action).sort()).toEqual(['replaced', 'restored']);
      expect(app.db.sessions.get(edited!)!.title).toBe('b session 0');
      expect(app.db.messages.countForSession(edited!)).toBe(5);
      // Only the chosen sessions changed: the setting written since stays.
      expect(app.db.settings.get('theme')!.value).toBe('light');

      const undone = await app.points.undoSessionRestore();
      expect(undone.removed).toEqual([deleted]);
      expect(undone.putBack).toEqual([edited]);
      expect(tablesByKey(dbFileOf(dir))).toEqual(before);
      await expect(app.points.undoSessionRestore()).rejects.toMatchObject({ code: 'nothing_to_undo' });
    } finally {
      await app.close();
    }
  });

  it('as a copy: both versions are there, under different ids, the copy marked restored', async () => {
    const dir = tempDir('strata-ssr-copy-');
    const app = await openApp(dir);
    try {
      const [s] = seedSessions(app, 2, 6, 'c');
      const point = await app.snapshots.create({ tier: 'manual' });
      app.db.messages.append(s!, { role: 'user', content: 'kept in the current version' });
      const preview = await app.points.previewRestore(point.id, [s!], 'copy');
      expect(preview).toEqual([expect.objectContaining({ sessionId: s, action: 'copied' })]);

      const r = await app.points.restoreSessions(point.id, [s!], 'copy');
      const copyId = r.sessions[0]!.liveSessionId;
      expect(copyId).not.toBe(s);
      expect(app.db.messages.countForSession(s!)).toBe(7);
      expect(app.db.messages.countForSession(copyId)).toBe(6);
      expect(app.db.sessions.get(copyId)!.title).toMatch(/^c session 0 \(restored \d{4}-\d{2}-\d{2}\)$/);
      const ids = [
        ...app.db.messages.listForSession(s!, { limit: 100 }),
        ...app.db.messages.listForSession(copyId, { limit: 100 }),
      ].map((m) => m.id);
      expect(new Set(ids).size).toBe(13);
      expect(app.db.messages.listForSession(copyId, { limit: 100 }).map((m) => m.content)).toEqual(
        Array.from({ length: 6 }, (_, j) => `c-0-message-${j}`),
      );
      // Undo removes exactly the copy.
      await app.points.undoSessionRestore();
      expect(app.db.sessions.get(copyId)).toBeNull();
      expect(app.db.messages.countForSession(s!)).toBe(7);
    } finally {
      await app.close();
    }
  });

  it('undo refuses, changing nothing, when a restored session was changed after the restore', async () => {
    const dir = tempDir('strata-ssr-undo-changed-');
    const app = await openApp(dir);
    try {
      const [s] = seedSessions(app, 2, 3, 'u');
      const point = await app.snapshots.create({ tier: 'manual' });
      app.db.sessions.delete(s!);
      const r = await app.points.restoreSessions(point.id, [s!], 'replace');
      app.db.messages.append(s!, { role: 'user', content: 'written after the restore' });
      const before = tablesByKey(dbFileOf(dir));
      await expect(app.points.undoSessionRestore()).rejects.toMatchObject({
        code: 'changed_since_restore',
        message: expect.stringContaining(r.safetySnapshotId!),
      });
      expect(tablesByKey(dbFileOf(dir))).toEqual(before);
    } finally {
      await app.close();
    }
  });

  it('an unchanged session is left alone without a safety snapshot; an unknown id changes nothing', async () => {
    const dir = tempDir('strata-ssr-noop-');
    const app = await openApp(dir);
    try {
      const [s] = seedSessions(app, 2, 3, 'd');
      const point = await app.snapshots.create({ tier: 'manual' });
      const snapshotsBefore = (await app.snapshots.list()).length;
      const r = await app.points.restoreSessions(point.id, [s!], 'replace');
      expect(r).toMatchObject({ safetySnapshotId: null, sessions: [{ action: 'unchanged' }] });
      const before = tablesByKey(dbFileOf(dir));
      await expect(app.points.restoreSessions(point.id, [s!, 'no-such-session'], 'replace')).rejects.toMatchObject({
        code: 'not_found',
      });
      expect(tablesByKey(dbFileOf(dir))).toEqual(before);
      expect((await app.snapshots.list()).length).toBe(snapshotsBefore);
    } finally {
      await app.close();
    }
  });

  it('keeps the point open while browsing and removes its private copy on leave and on quit', async () => {
    const dir = tempDir('strata-ssr-cache-');
    const app = await openApp(dir);
    const pointsDir = path.join(dir, 'backups', 'scratch', 'points');
    const point = await app.snapshots.create({ tier: 'manual' });
    seedSessions(app, 1, 1, 'e');
    const first = await app.points.browse(point.id);
    expect(first.total).toBe(0);
    expect(app.points.openIds()).toEqual([point.id]);
    expect(fs.readdirSync(pointsDir)).toHaveLength(1);
    await app.points.diff(point.id);
    expect(fs.readdirSync(pointsDir)).toHaveLength(1); // reused, not materialised again
    expect(app.points.leave(point.id)).toBe(true);
    await app.points.browse(point.id);
    await app.close();
    expect(fs.existsSync(pointsDir) ? fs.readdirSync(pointsDir) : []).toEqual([]);
  });
});
