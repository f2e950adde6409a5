import { describe, expect, it } from 'vitest';
import type { SnapshotSidecar } from '../../src-main/snapshots';
import { tempDir } from '../helpers/temp-dir';
import { addDemo, contentHash, dbFileOf, strata, strataJson } from '../helpers/snapshot-fixtures';
import { count } from './fixtures';

interface Brief {
  id: string;
  title: string;
  messageCount: number;
  lastMessageAt: number | null;
}

describe('the point commands', () => {
  it('browse, diff, restore --dry-run, deleted, restore-session and its undo, all with --json', async () => {
    const dir = tempDir('strata-point-cli-');
    await addDemo(dir, 5, 4, 3);
    const snap = await strataJson<SnapshotSidecar>(dir, ['backup']);
    const sessions = await strataJson<Brief[]>(dir, ['sessions', 'list']);
    const gone = sessions[0]!;
    const db = (await import('better-sqlite3')).default;
    const conn = new db(dbFileOf(dir));
    conn.pragma('foreign_keys = ON');
    conn.prepare('DELETE FROM sessions WHERE id = ?').run(gone.id);
    conn.close();

    const points = await strataJson<{ snapshots: { id: string; sessions: number }[] }>(dir, ['points']);
    expect(points.snapshots).toEqual([expect.objectContaining({ id: snap.id, sessions: 5 })]);
    const browsed = await strataJson<{ total: number; sessions: Brief[] }>(dir, ['browse', snap.id]);
    expect(browsed.total).toBe(5);
    expect(browsed.sessions.find((s) => s.id === gone.id)).toMatchObject({ title: gone.title, messageCount: 4 });
    const searched = await strataJson<{ sessions: Brief[] }>(dir, ['browse', snap.id, '--search', gone.title]);
    expect(searched.sessions.map((s) => s.id)).toContain(gone.id);

    const before = contentHash(dbFileOf(dir));
    const diff = await strataJson<{ deletedSince: Brief[]; totals: { deletedSince: number } }>(dir, ['diff', snap.id]);
    expect(diff.deletedSince.map((s) => s.id)).toEqual([gone.id]);
    const dry = await strataJson<{ dryRun: true; totals: { deletedSince: number } }>(dir, [
      'restore',
      snap.id,
      '--dry-run',
    ]);
    expect(dry).toMatchObject({ dryRun: true, totals: { deletedSince: 1, createdSince: 0 } });
    const human = await strata(dir, ['restore', snap.id, '--dry-run']);
    expect(human.stdout).toMatch(/Dry run: nothing was changed/);
    expect(human.stdout).toMatch(/bring back 1 deleted session/);
    expect(contentHash(dbFileOf(dir))).toBe(before);

    const deleted = await strataJson<{ sessions: { sessionId: string; lastPoint: { pointId: string } }[] }>(dir, [
      'deleted',
      '--days',
      '7',
    ]);
    expect(deleted.sessions).toEqual([
      expect.objectContaining({ sessionId: gone.id, lastPoint: expect.objectContaining({ pointId: snap.id }) }),
    ]);

    const refused = await strata(dir, ['--json', 'restore-session', snap.id, gone.id]);
    expect(refused.code).not.toBe(0);
    expect(contentHash(dbFileOf(dir))).toBe(before);
    const restored = await strataJson<{ safetySnapshotId: string; sessions: { action: string }[] }>(dir, [
      'restore-session',
      snap.id,
      gone.id,
      '--yes',
    ]);
    expect(restored.sessions).toEqual([expect.objectContaining({ action: 'restored', liveSessionId: gone.id })]);
    expect(restored.safetySnapshotId).toMatch(/manual/);
    expect(count(dbFileOf(dir), 'SELECT COUNT(*) AS n FROM messages WHERE session_id = ?', gone.id)).toBe(4);
    const copied = await strataJson<{ sessions: { action: string; liveSessionId: string }[] }>(dir, [
      'restore-session',
      snap.id,
      sessions[1]!.id,
      '--yes',
      '--as-copy',
    ]);
    // Unchanged since the point: nothing to copy.
    expect(copied.sessions[0]!.action).toBe('unchanged');

    const undone = await strataJson<{ removed: string[] }>(dir, ['restore-session', '--undo', '--yes']);
    expect(undone.removed).toEqual([gone.id]);
    expect(contentHash(dbFileOf(dir))).toBe(before);
    const again = await strata(dir, ['--json', 'restore-session', '--undo', '--yes']);
    expect((again.json as { error: { code: string } }).error.code).toBe('nothing_to_undo');
  }, 120_000);
});
