import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { storeFileAsBase, takeBasePoint, type ShipperWorkerData } from '../../src-main/continuous/base-point';
import { planCompaction } from '../../src-main/continuous/compaction-plan';
import { compact } from '../../src-main/continuous/compaction-run';
import { listGenerations, listSegments } from '../../src-main/continuous/generations';
import { materialiseMoment } from '../../src-main/continuous/moment';
import { Shipper } from '../../src-main/continuous/shipper';
import { readTimelines } from '../../src-main/continuous/timeline';
import { openConnection } from '../../src-main/db/connection';
import { addDemo, dbFileOf } from '../helpers/snapshot-fixtures';
import { tempDir } from '../helpers/temp-dir';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function numbers(file: string): number[] {
  const db = new Database(file, { readonly: true });
  try {
    return (
      db.prepare(`SELECT title FROM sessions WHERE title LIKE 'thin %' ORDER BY rowid`).all() as { title: string }[]
    ).map((r) => Number(r.title.slice(5)));
  } finally {
    db.close();
  }
}

describe('thinning continuous protection', () => {
  it('keeps every commit for a day, one per minute for a week, then folds the rest into a base', async () => {
    const dir = path.join(tempDir('strata-thin-'), 'data');
    await addDemo(dir, 6, 2, 51);
    const dbFile = dbFileOf(dir);
    const storeDir = path.join(dir, 'backups', 'store');
    const data: ShipperWorkerData = {
      dbFile,
      storeDir,
      scratchDir: path.join(dir, 'backups', 'scratch'),
      liveFds: {},
      appVersion: 'test',
      pollMs: 0,
      idleCheckpointMs: 1000,
      thinning: { keepAllHours: 24, perMinuteDays: 7 },
      compactEveryMs: 0,
    };
    // Simulated time: nine days, a burst of three commits (10 s apart) every four hours.
    // Whole hours, so each burst falls inside one minute whatever the time of the run.
    const start = Math.floor((Date.now() - 9 * DAY) / HOUR) * HOUR;
    let now = start;
    const shipper = new Shipper({ dbFile, storeDir, takeBasePoint: (r) => takeBasePoint(data, r), now: () => now });
    const writer = openConnection(dbFile);
    const commits: { n: number; at: number }[] = [];
    try {
      await shipper.start();
      let n = 0;
      for (let t = start + HOUR; t < start + 9 * DAY; t += 4 * HOUR) {
        for (let k = 0; k < 3; k++) {
          now = t + k * 10_000;
          n++;
          writer
            .prepare(`INSERT INTO sessions (id, title, created_at, updated_at) VALUES (?, ?, 0, 0)`)
            .run(`thin-${n}`, `thin ${n}`);
          await shipper.tick();
          commits.push({ n, at: now });
        }
        now = t + 5 * 60_000;
        await shipper.tick(); // idle: the shipper checkpoints, and the WAL restarts next time
      }
      now = start + 9 * DAY;
      const before = listSegments(storeDir, listGenerations(storeDir)[0]!.id).live.length;
      const plan = await compact(storeDir, now, data.thinning, {
        storeBase: (file) => storeFileAsBase(data, file),
        scratchDir: data.scratchDir,
      });
      expect(plan.rebase).not.toBeNull();
      expect(plan.merges.some((m) => m.thin)).toBe(true);
      const after = listSegments(storeDir, listGenerations(storeDir)[0]!.id).live.length;
      expect(after).toBeLessThan(before / 2);
      // Nothing left to do: thinning is idempotent.
      const again = planCompaction(readTimelines(storeDir), now, data.thinning);
      expect(again.merges.length + again.drops.length).toBe(0);
      expect(again.rebase).toBeNull();
    } finally {
      shipper.close();
      writer.close();
    }
    const scratch = tempDir('strata-thin-out-');
    const at = async (t: number) => {
      const out = path.join(scratch, `at-${t}.db`);
      await materialiseMoment(storeDir, t, out);
      return numbers(out);
    };
    const upTo = (t: number) => commits.filter((c) => c.at <= t).map((c) => c.n);
    const lastDay = commits.filter((c) => c.at >= now - 24 * HOUR);
    const week = commits.filter((c) => c.at < now - 24 * HOUR && c.at >= now - 8 * DAY);
    // Within a day: every commit, exactly (the middle one of a burst too).
    for (const c of lastDay.slice(0, 6)) expect(await at(c.at)).toEqual(upTo(c.at));
    // Within the week: one point per minute, each minute's last commit exact.
    const minuteLast = week.filter((c, i) => week[i + 1]?.at !== c.at + 10_000);
    for (const c of minuteLast.slice(0, 4)) expect(await at(c.at)).toEqual(upTo(c.at));
    // A time in the middle of a burst resolves to the minute before it.
    const mid = week.find((c, i) => week[i + 1]?.at === c.at + 10_000 && week[i - 1]?.at !== c.at - 10_000)!;
    expect(await at(mid.at)).toEqual(upTo(mid.at - 60_000));
    // Older than that: folded into the new base; not restorable to the second.
    const old = commits.find((c) => c.at < now - 8 * DAY - HOUR)!;
    await expect(materialiseMoment(storeDir, old.at, path.join(scratch, 'old.db'))).rejects.toMatchObject({
      code: 'no_point_at_time',
    });
    // The latest moment still holds everything.
    expect(await at(now)).toEqual(commits.map((c) => c.n));
  }, 120_000);
});
