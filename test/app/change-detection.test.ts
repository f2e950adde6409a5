import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { StrataApp } from '../../src-main/app/strata-app';
import { ManualClock } from '../../src-main/core/clock';
import { generateDemoData } from '../../src-main/db';
import { tempDir } from '../helpers/temp-dir';
import { dbFileOf, roomyDisk } from '../helpers/snapshot-fixtures';
import { advance, openApp } from './app-helpers';

const MIN = 60_000;

async function demoFolder(seed: number): Promise<string> {
  const dir = tempDir('strata-change-');
  const app = await StrataApp.open({ dataDir: dir, owner: 'cli', diskProbe: roomyDisk });
  generateDemoData(app.db.connection, { sessions: 6, messagesPerSession: 8, seed });
  await app.close();
  return dir;
}

describe('skip when unchanged, with the change counter', () => {
  it('an edit that keeps counts, lengths and timestamps makes the next scheduled run take a snapshot', async () => {
    const dir = await demoFolder(21);
    const start = new Date(2026, 10, 23, 10, 5, 0).getTime();
    const clock = new ManualClock(start);
    const app = await openApp(dir, clock);
    try {
      const interval = app.backupConfig().autoIntervalMinutes * MIN;
      // Any scheduled tier may be the one that notices (the hourly run can come first).
      const scheduledSnapshots = async () => (await app.snapshots.list()).filter((s) => s.tier !== 'startup').length;
      const before = await scheduledSnapshots();

      // Nothing changed: the run is skipped, and recording the last backup time did not count as a change.
      await advance(app, clock, interval, MIN);
      expect(app.schedulerState()?.jobs.auto?.lastResult).toBe('skipped');
      expect(await scheduledSnapshots()).toBe(before);

      // One message's content, same length, same millisecond (the clock has not moved), no updated_at.
      const m = app.db.connection.prepare(`SELECT id, content FROM messages ORDER BY id LIMIT 1`).get() as {
        id: string;
        content: string;
      };
      const edited = m.content.slice(0, -1) + (m.content.endsWith('x') ? 'y' : 'x');
      expect(edited.length).toBe(m.content.length);
      app.db.connection.prepare(`UPDATE messages SET content = ? WHERE id = ?`).run(edited, m.id);
      await advance(app, clock, interval, MIN);
      expect(app.schedulerState()?.jobs.auto?.lastResult).toBe('done');
      expect(await scheduledSnapshots()).toBe(before + 1);

      // Again nothing: skipped, so the snapshot's own bookkeeping is not a change either.
      await advance(app, clock, interval, MIN);
      expect(app.schedulerState()?.jobs.auto?.lastResult).toBe('skipped');
      expect(await scheduledSnapshots()).toBe(before + 1);

      // Another program edits the file while the app has it open: the schema's triggers count it too.
      const r = spawnSync(
        '/usr/bin/sqlite3',
        [dbFileOf(dir), `PRAGMA busy_timeout = 5000; UPDATE messages SET content = '${edited}!' WHERE id = '${m.id}';`],
        { encoding: 'utf8' },
      );
      expect(r.status, r.stderr).toBe(0);
      await advance(app, clock, interval, MIN);
      expect(await scheduledSnapshots()).toBe(before + 2);
    } finally {
      await app.close();
    }
  }, 120_000);
});
