import { spawn } from 'node:child_process';
import fs from 'node:fs';
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
import { seededRandom, testSeed } from '../helpers/seeded-random';
import { tempDir } from '../helpers/temp-dir';
import { bundleChild, childEnv, shipperDataFor } from './continuous-fixtures';

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

interface Simulated {
  dir: string;
  storeDir: string;
  data: ShipperWorkerData;
  commits: { n: number; at: number }[];
  now: number;
}

/** Nine simulated days: a burst of three commits (10 s apart) every four hours, all shipped. */
async function simulateNineDays(): Promise<Simulated> {
  const dir = path.join(tempDir('strata-thin-'), 'data');
  await addDemo(dir, 6, 2, 51);
  const dbFile = dbFileOf(dir);
  const storeDir = path.join(dir, 'backups', 'store');
  const data = shipperDataFor(dir);
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
  } finally {
    shipper.close();
    writer.close();
  }
  return { dir, storeDir, data, commits, now };
}

describe('thinning continuous protection', () => {
  it('keeps every commit for a day, one per minute for a week, then folds the rest into a base', async () => {
    const { storeDir, data, commits, now } = await simulateNineDays();
    {
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

describe('thinning under kill -9', () => {
  const KILLS = Number(process.env.STRATA_THIN_KILLS ?? 12);

  it(`leaves a record that restores exactly, at ${KILLS} seeded instants of a thinning`, async () => {
    const BUNDLE = await bundleChild('compact-child');
    const sim = await simulateNineDays();
    const random = seededRandom(testSeed('STRATA_THIN_KILL_SEED', 3));
    const scratch = tempDir('strata-thin-kill-');
    let interrupted = 0;
    for (let i = 0; i < KILLS; i++) {
      const dir = path.join(scratch, `copy-${i}`);
      fs.cpSync(sim.dir, dir, { recursive: true });
      const storeDir = path.join(dir, 'backups', 'store');
      const delay = Math.floor(random() * 600);
      const finished = await new Promise<boolean>((resolve, reject) => {
        const child = spawn(process.execPath, [BUNDLE, dir, String(sim.now)], {
          env: childEnv(),
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        let timer: NodeJS.Timeout | null = null;
        child.stdout.on('data', (d) => {
          out += d;
          if (!timer && out.includes('started')) timer = setTimeout(() => child.kill('SIGKILL'), delay);
        });
        child.stderr.on('data', (d) => (err += d));
        child.on('exit', (code, signal) => {
          if (timer) clearTimeout(timer);
          if (signal === 'SIGKILL') resolve(false);
          else if (code === 0) resolve(true);
          else reject(new Error(err));
        });
      });
      if (!finished) interrupted++;
      // Whatever the instant: the latest moment holds every commit, and the last day is exact.
      const latest = path.join(scratch, `latest-${i}.db`);
      await materialiseMoment(storeDir, sim.now, latest);
      expect(numbers(latest), `instant ${i}`).toEqual(sim.commits.map((c) => c.n));
      const recent = sim.commits.filter((c) => c.at >= sim.now - 20 * HOUR);
      for (const c of [recent[0]!, recent[recent.length - 2]!]) {
        const out = path.join(scratch, `recent-${i}.db`);
        await materialiseMoment(storeDir, c.at, out);
        expect(numbers(out), `instant ${i}`).toEqual(sim.commits.filter((x) => x.at <= c.at).map((x) => x.n));
      }
      // And thinning run again finishes the job.
      await compact(storeDir, sim.now, sim.data.thinning, {
        storeBase: (file) => storeFileAsBase(shipperDataFor(dir), file),
        scratchDir: path.join(dir, 'backups', 'scratch'),
      });
      const again = planCompaction(readTimelines(storeDir), sim.now, sim.data.thinning);
      expect(again.merges.length + again.drops.length, `instant ${i}`).toBe(0);
      expect(again.rebase).toBeNull();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    console.log(`thinning kill test: ${KILLS} instants, ${interrupted} interrupted mid-way`);
    expect(interrupted).toBeGreaterThan(0);
  }, 300_000);
});
