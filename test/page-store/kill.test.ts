import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PageStore } from '../../src-main/page-store';
import { runChild } from './child-process';
import { churn, filesUnder, integrityCheck, makeDemoDb, seededRandom, takePoint } from './store-fixtures';

/**
 * kill -9 of a real second process at seeded random instants of a point's write and of a GC.
 * After each: every listed point materialises and passes integrity_check, no referenced object
 * is missing, and the next writer (taking over the dead one's lock) and GC work.
 * Set STRATA_KILL_SEED to replay a run.
 */
const KILLS = Number(process.env.KILLS ?? 30);
const SEED = Number(process.env.STRATA_KILL_SEED ?? 20261201);

/**
 * Copies live on tmpfs when there is one: a kill -9 tests what a crashed process leaves, which
 * does not depend on fsync reaching a disk, and 60 runs of fsync-heavy work would take minutes.
 */
const scratchBase = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
let template = '';

beforeAll(async () => {
  template = fs.mkdtempSync(path.join(scratchBase, 'strata-ps-kill-tpl-'));
  const db = await makeDemoDb(path.join(template, 'strata.db'), 8, 100);
  const store = PageStore.open(path.join(template, 'store'));
  const rand = seededRandom(3);
  // Four points, of which GC runs will find the middle two deleted: work for repacking and deleting.
  // Later points' changed pages are stored against the first point's, so the first one stays, and
  // what the middle two alone held is about a tenth of each pack: the GC repacks from 5 % dead.
  let prev = await takePoint(store, db, 'p0');
  for (let i = 1; i < 4; i++) {
    churn(db, rand, 60, 10, 3);
    prev = await takePoint(store, db, `p${i}`, prev);
  }
  churn(db, rand, 200, 20, 5); // the live database now differs: a write stores new pages
}, 120_000);
afterAll(() => fs.rmSync(template, { recursive: true, force: true }));

const made: string[] = [];
afterEach(() => {
  while (made.length) fs.rmSync(made.pop()!, { recursive: true, force: true });
});

function copyTemplate(): { dir: string; db: string; storeDir: string } {
  const parent = fs.mkdtempSync(path.join(scratchBase, 'strata-ps-kill-'));
  made.push(parent);
  const dir = path.join(parent, 'data');
  fs.cpSync(template, dir, { recursive: true });
  return { dir, db: path.join(dir, 'strata.db'), storeDir: path.join(dir, 'store') };
}

async function assertRestorable(storeDir: string, scratch: string): Promise<string[]> {
  const store = PageStore.open(storeDir);
  const listing = store.listManifests();
  expect(listing.damaged).toEqual([]);
  const report = store.verify({ readData: true });
  expect(report.points.filter((p) => !p.ok)).toEqual([]);
  for (const m of listing.manifests) {
    const out = path.join(scratch, `${m.id}.db`);
    await store.materialise(m.id, out);
    expect(integrityCheck(out)).toBe('ok');
    fs.rmSync(out);
  }
  return listing.manifests.map((m) => m.id);
}

/** The median uninterrupted duration from "ready" to exit, to spread the kills over. */
async function measure(args: (c: ReturnType<typeof copyTemplate>) => string[]): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const c = copyTemplate();
    const run = await runChild(args(c));
    expect(run.code, run.stderr).toBe(0);
    times.push(run.ranMs);
  }
  return times.sort((a, b) => a - b)[1]!;
}

describe('kill -9 during store writes and GC', () => {
  it(`leaves every listed point restorable, at ${KILLS} instants of a write`, async () => {
    const random = seededRandom(SEED);
    const args = (c: ReturnType<typeof copyTemplate>) => ['write', c.storeDir, c.db, 'new'];
    const opMs = await measure(args);
    const outcomes = { before: 0, after: 0 };
    for (let i = 0; i < KILLS; i++) {
      const c = copyTemplate();
      // Stratified instants: one per equal slice of the measured operation, plus 10 %.
      const run = await runChild(args(c), ((i + random()) / KILLS) * opMs * 1.1);
      const ids = await assertRestorable(c.storeDir, c.dir);
      expect(ids.length === 4 || (ids.length === 5 && ids.includes('new'))).toBe(true);
      outcomes[ids.includes('new') ? 'after' : 'before']++;
      if (ids.includes('new')) {
        const store = PageStore.open(c.storeDir);
        await store.materialise('new', path.join(c.dir, 'new.db'));
        expect(fs.readFileSync(path.join(c.dir, 'new.db')).equals(fs.readFileSync(c.db))).toBe(true);
      }
      // The dead writer's lock is taken over; its leftovers do not disturb the next point.
      const store = PageStore.open(c.storeDir);
      await takePoint(store, c.db, 'next');
      await store.gc({ graceMs: 0 });
      if (i % 5 === 0) await assertRestorable(c.storeDir, c.dir);
      expect(run.signal === 'SIGKILL' || run.code === 0, run.stderr).toBe(true);
    }
    console.log(`[kill] write: seed=${SEED} op=${opMs.toFixed(0)}ms before=${outcomes.before} after=${outcomes.after}`);
    expect(outcomes.before).toBeGreaterThan(0);
  }, 120_000);

  it(`leaves every kept point restorable, at ${KILLS} instants of a GC`, async () => {
    const random = seededRandom(SEED + 1);
    const prepare = async (c: ReturnType<typeof copyTemplate>) => {
      const store = PageStore.open(c.storeDir);
      await store.deleteManifests(['p1', 'p2']);
      // Pack times older than the grace period, as they would be in a real store.
      const old = new Date(Date.now() - 2 * 3600_000);
      for (const p of store.reloadIndex().packs.keys()) {
        fs.utimesSync(path.join(c.storeDir, 'packs', p.slice(0, 2), `${p}.pack`), old, old);
      }
      return c;
    };
    const args = (c: ReturnType<typeof copyTemplate>) => ['gc', c.storeDir, '0.05'];
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await prepare(copyTemplate());
      const run = await runChild(args(c));
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout.split('\n')[1]!) as { packsRepacked: number; packsDeleted: number };
      expect(result.packsRepacked + result.packsDeleted, 'the GC has work to interrupt').toBeGreaterThan(0);
      times.push(run.ranMs);
    }
    const opMs = times.sort((a, b) => a - b)[1]!;
    let unfinished = 0;
    for (let i = 0; i < KILLS; i++) {
      const c = await prepare(copyTemplate());
      const run = await runChild(args(c), ((i + random()) / KILLS) * opMs * 1.1);
      if (!run.finished) unfinished++;
      expect(await assertRestorable(c.storeDir, c.dir)).toEqual(['p0', 'p3']);
      // Running GC again finishes the work: a third run finds nothing left to do.
      const store = PageStore.open(c.storeDir);
      await store.gc({ graceMs: 0 });
      const third = await store.gc({ graceMs: 0 });
      expect([third.packsDeleted, third.packsRepacked, third.tempFilesRemoved]).toEqual([0, 0, 0]);
      expect(filesUnder(c.storeDir, 'packs').length).toBe(store.reloadIndex().packs.size);
      if (i % 5 === 0) expect(await assertRestorable(c.storeDir, c.dir)).toEqual(['p0', 'p3']);
    }
    console.log(`[kill] gc: seed=${SEED} op=${opMs.toFixed(0)}ms interrupted=${unfinished}`);
    expect(unfinished).toBeGreaterThan(0);
  }, 120_000);
});
