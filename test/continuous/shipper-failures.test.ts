import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { takeBasePoint } from '../../src-main/continuous/base-point';
import { materialiseMoment } from '../../src-main/continuous/moment';
import { Shipper } from '../../src-main/continuous/shipper';
import { listRanges } from '../../src-main/continuous/timeline';
import { openConnection } from '../../src-main/db/connection';
import { addDemo, dbFileOf } from '../helpers/snapshot-fixtures';
import { tempDir } from '../helpers/temp-dir';
import { shipperDataFor } from './continuous-fixtures';

async function folder(seed: number) {
  const dir = path.join(tempDir('strata-shipfail-'), 'data');
  await addDemo(dir, 4, 2, seed);
  const dbFile = dbFileOf(dir);
  const storeDir = path.join(dir, 'backups', 'store');
  const data = shipperDataFor(dir);
  return { dir, dbFile, storeDir, data };
}

function count(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM sessions WHERE id LIKE 'f-%'`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('the shipper when things go wrong', () => {
  it('ships a backlog in bounded rounds, and takes a transaction too big for one as a new full point', async () => {
    const { dbFile, storeDir, data } = await folder(71);
    let now = Date.now();
    const shipper = new Shipper({
      dbFile,
      storeDir,
      takeBasePoint: (r) => takeBasePoint(data, r),
      now: () => now,
      maxRoundPages: 8,
    });
    const writer = openConnection(dbFile);
    try {
      await shipper.start();
      const insert = writer.prepare(`INSERT INTO sessions (id, title, created_at, updated_at) VALUES (?, ?, 0, 0)`);
      // Ten small transactions pile up before the shipper looks: more pages than one round holds.
      for (let i = 0; i < 10; i++) insert.run(`f-${i}`, `small ${i}`);
      const roundsBefore = shipper.status.rounds;
      now += 100;
      await shipper.tick();
      expect(shipper.status.rounds - roundsBefore).toBeGreaterThan(1);
      expect(listRanges(storeDir).length).toBe(1);
      // One transaction of many pages: no round can hold it, so a new generation starts.
      writer.transaction(() => {
        for (let i = 0; i < 60; i++) insert.run(`f-big-${i}`, 'x'.repeat(3000));
      })();
      now += 100;
      await shipper.tick();
      expect(shipper.status.lastGap?.reason).toBe('frames-missed');
    } finally {
      shipper.close();
      writer.close();
    }
    expect(listRanges(storeDir).length).toBe(2);
    const out = path.join(tempDir('strata-shipfail-out-'), 'latest.db');
    await materialiseMoment(storeDir, Date.now() + 60_000, out);
    expect(count(out)).toBe(70);
  }, 60_000);

  it('keeps trying when a new full point cannot be taken, and ships nothing into the old generation meanwhile', async () => {
    const { dbFile, storeDir, data } = await folder(72);
    let now = Date.now();
    let failures = 2;
    const shipper = new Shipper({
      dbFile,
      storeDir,
      takeBasePoint: async (r) => {
        if (failures > 0) {
          failures--;
          throw new Error('the disk is full');
        }
        return takeBasePoint(data, r);
      },
      now: () => now,
    });
    const writer = openConnection(dbFile);
    try {
      await shipper.start();
      expect(shipper.status.state).toBe('error');
      expect(shipper.status.error).toMatch(/disk is full/);
      writer.prepare(`INSERT INTO sessions (id, title, created_at, updated_at) VALUES ('f-1', 'one', 0, 0)`).run();
      await shipper.tick(); // too early: the retry waits
      expect(shipper.status.state).toBe('error');
      now += 2_500;
      await shipper.tick(); // second failure, a longer wait
      expect(shipper.status.state).toBe('error');
      now += 5_000;
      await shipper.tick();
      expect(shipper.status.state).toBe('running');
      writer.prepare(`INSERT INTO sessions (id, title, created_at, updated_at) VALUES ('f-2', 'two', 0, 0)`).run();
      now += 100;
      await shipper.tick();
    } finally {
      shipper.close();
      writer.close();
    }
    expect(listRanges(storeDir).length).toBe(1);
    const out = path.join(tempDir('strata-shipfail-out-'), 'latest.db');
    await materialiseMoment(storeDir, now + 60_000, out);
    expect(count(out)).toBe(2);
  }, 60_000);
});
