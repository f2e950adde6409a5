import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StrataApp } from '../../src-main/app/strata-app';
import { seededRandom } from '../../src-main/db/demo-data';
import { PageStore } from '../../src-main/page-store';
import { tempDir } from '../helpers/temp-dir';
import {
  addDemo,
  recoverLikeNextStart,
  roomyDisk,
  runStrataAndKill,
  strata,
  verifyEverythingListed,
} from '../helpers/snapshot-fixtures';

/**
 * Real kill -9 at random instants of `strata prune`, which deletes manifests by the retention
 * rules and then runs the page store's GC. The packs are made older than the GC's grace period
 * first, so the GC really deletes and repacks. After each kill: every listed point restores
 * (materialises and passes integrity_check and its counts), no referenced object is missing, and
 * a second prune finishes the work.
 */
const KILLS = 30;
const SEED = Number(process.env.STRATA_KILL_SEED ?? 3);
const random = seededRandom(SEED);

function ageStore(dir: string): void {
  const old = new Date(Date.now() - 3 * 3600_000);
  const packs = path.join(dir, 'backups', 'store', 'packs');
  for (const rel of fs.readdirSync(packs, { recursive: true }) as string[]) {
    fs.utimesSync(path.join(packs, rel), old, old);
  }
}

async function makeTemplate(): Promise<string> {
  const dir = path.join(tempDir('strata-gc-kill-'), 'data');
  await addDemo(dir, 60, 20, 91);
  const app = await StrataApp.open({ dataDir: dir, owner: 'cli', diskProbe: roomyDisk });
  try {
    for (let i = 0; i < 6; i++) {
      const s = app.db.sessions.create({ title: `change ${i}` });
      for (let m = 0; m < 30; m++) app.db.messages.append(s.id, { role: 'user', content: `point ${i} line ${m}` });
      // Edits scattered over older sessions, so later points share packs only partly.
      app.db.connection.prepare("UPDATE messages SET content = content || ' (edited)' WHERE rowid % 97 = ?").run(i);
      await app.snapshots.create({ tier: 'manual', label: `point ${i}` });
    }
    app.setBackupConfig({ retention: { keep: { manual: 2 } } });
  } finally {
    await app.close();
  }
  return dir;
}

describe('kill -9 during prune and its GC (strata prune)', () => {
  it(`leaves every kept point restorable and no referenced object missing, at ${KILLS} random instants`, async () => {
    const template = await makeTemplate();
    const lockDir = (dir: string) => ({ dir: path.join(dir, 'backups', 'store', 'locks'), namePrefix: '' });
    // An uninterrupted run: how long the store work takes from its first lock to the exit.
    const probe = path.join(tempDir('strata-gc-probe-'), 'data');
    fs.cpSync(template, probe, { recursive: true });
    ageStore(probe);
    const packsOf = (dir: string) =>
      (fs.readdirSync(path.join(dir, 'backups', 'store', 'packs'), { recursive: true }) as string[])
        .filter((n) => n.endsWith('.pack'))
        .sort();
    const packsBefore = packsOf(probe);
    const full = await runStrataAndKill(['--data-dir', probe, 'prune'], lockDir(probe));
    expect(full.code, full.stderr).toBe(0);
    expect(full.startedAtMs).not.toBeNull();
    const opMs = full.exitedAtMs - full.startedAtMs!;
    const probeStore = PageStore.open(path.join(probe, 'backups', 'store'));
    expect(probeStore.listManifests().manifests.length).toBe(2);
    // The GC really ran: packs only the pruned points used are gone (deleted or repacked).
    const packsAfter = packsOf(probe);
    expect(packsBefore.some((p) => !packsAfter.includes(p))).toBe(true);

    let killed = 0;
    for (let i = 0; i < KILLS; i++) {
      const dir = path.join(tempDir('strata-gc-kill-run-'), 'data');
      fs.cpSync(template, dir, { recursive: true });
      ageStore(dir); // a copy gets fresh modification times
      const delayMs = Math.round(((i + random()) / KILLS) * opMs * 1.1);
      const run = await runStrataAndKill(['--data-dir', dir, 'prune'], lockDir(dir), delayMs);
      const context = `prune kill #${i} at ${delayMs} ms (seed ${SEED})`;
      if (run.killed) killed++;
      else expect(run.code, `${context}: ${run.stderr}`).toBe(0);

      await recoverLikeNextStart(dir);
      const store = PageStore.open(path.join(dir, 'backups', 'store'));
      const report = store.verify({ readData: true });
      expect(
        report.points.filter((p) => !p.ok),
        `${context}: points with missing objects`,
      ).toEqual([]);
      const { list, results } = await verifyEverythingListed(dir);
      for (const r of results) expect(r, `${context}: ${r.id} does not restore`).toMatchObject({ ok: true });
      expect(list.length, context).toBeGreaterThanOrEqual(2);

      // Running it again finishes what the kill interrupted.
      const again = await strata(dir, ['prune']);
      expect(again.code, `${context}: ${again.stderr}`).toBe(0);
      expect(store.listManifests().manifests.length, context).toBe(2);
      expect(store.verify({ readData: true }).ok, context).toBe(true);
      fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    }
    console.log(`[kill] prune+gc: seed=${SEED} operation=${Math.round(opMs)}ms kills=${KILLS} interrupted=${killed}`);
    expect(killed).toBeGreaterThanOrEqual(KILLS / 3);
  }, 400_000);
});
