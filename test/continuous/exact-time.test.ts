import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { StrataApp } from '../../src-main/app/strata-app';
import { materialiseMoment } from '../../src-main/continuous/moment';
import { listRanges } from '../../src-main/continuous/timeline';
import { addDemo, roomyDisk } from '../helpers/snapshot-fixtures';
import { tempDir } from '../helpers/temp-dir';
import { until } from './continuous-fixtures';

function titles(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (
      db.prepare(`SELECT title FROM sessions WHERE title LIKE 'timed %' ORDER BY title`).all() as { title: string }[]
    ).map((r) => r.title);
  } finally {
    db.close();
  }
}

/** The next millisecond: commits after a chosen moment are then recorded strictly after it. */
function nextMillisecond(after: number): void {
  while (Date.now() <= after) {
    // spin for at most a millisecond
  }
}

describe('restore to an exact time', () => {
  it('gives every transaction committed up to the time, and none after', async () => {
    const dir = path.join(tempDir('strata-exact-'), 'data');
    await addDemo(dir, 12, 4, 21);
    const app = await StrataApp.open({ dataDir: dir, owner: 'host', startBackgroundJobs: true, diskProbe: roomyDisk });
    const moments: number[] = [];
    try {
      await until(() => app.protectionStatus()?.state === 'running');
      for (let i = 0; i < 6; i++) {
        const s = app.db.sessions.create({ title: `timed ${i}` });
        app.db.messages.append(s.id, { role: 'user', content: `message ${i}` });
        await app.flushProtection();
        const moment = Date.now();
        moments.push(moment);
        nextMillisecond(moment);
      }
    } finally {
      await app.close();
    }
    const storeDir = path.join(dir, 'backups', 'store');
    const ranges = listRanges(storeDir);
    expect(ranges.length).toBe(1);
    expect(ranges[0]!.commits).toBeGreaterThanOrEqual(12);
    const scratch = tempDir('strata-exact-out-');
    for (let i = 0; i < moments.length; i++) {
      const out = path.join(scratch, `at-${i}.db`);
      await materialiseMoment(storeDir, moments[i]!, out);
      expect(titles(out)).toEqual(Array.from({ length: i + 1 }, (_, k) => `timed ${k}`));
      const db = new Database(out, { readonly: true });
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();
    }
    // Before the first timed commit: none of them.
    const before = path.join(scratch, 'before.db');
    await materialiseMoment(storeDir, ranges[0]!.from, before);
    expect(titles(before)).toEqual([]);
  }, 60_000);
});
