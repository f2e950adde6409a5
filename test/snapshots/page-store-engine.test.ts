import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StrataApp } from '../../src-main/app/strata-app';
import { PageStore } from '../../src-main/page-store';
import { tempDir } from '../helpers/temp-dir';
import { addDemo, contentHash, integrityCheck, roomyDisk, strata, strataJson } from '../helpers/snapshot-fixtures';

/** The snapshot engine on the page store: recovery without the app, and app + CLI writing together. */
const RECOVER = path.resolve(__dirname, '..', '..', 'scripts', 'recover.mjs');

interface Listed {
  id: string;
  storage: string;
  addedBytes: number;
  size: number;
  status: string;
}

interface StoreStats {
  points: number;
  logicalBytes: number;
  storedBytes: number;
  uniquePages: number;
  packs: number;
  dedupRatio: number;
}

/**
 * Page 1's header bytes that `snapshot export` rewrites to make a rollback-journal file (journal
 * mode 18–19, change counter 24–27, version-valid-for 92–95); every other byte must be equal.
 */
function equalApartFromJournalHeader(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) return false;
  const skip = (i: number) => (i >= 18 && i <= 19) || (i >= 24 && i <= 27) || (i >= 92 && i <= 95);
  for (let i = 0; i < a.length; i++) if (!skip(i) && a[i] !== b[i]) return false;
  return true;
}

function addSession(app: StrataApp, title: string): void {
  const s = app.db.sessions.create({ title });
  app.db.messages.append(s.id, { role: 'user', content: `hello from ${title}` });
}

describe('the engine on the page store', () => {
  it('a store made by the engine is rebuilt by scripts/recover.mjs alone, equal to snapshot export', async () => {
    const dir = path.join(tempDir('strata-recover-engine-'), 'data');
    await addDemo(dir, 12, 8, 81);
    const first = await strataJson<{ id: string }>(dir, ['backup']);
    await addDemo(dir, 3, 8, 82);
    const second = await strataJson<{ id: string }>(dir, ['backup']);
    const out = tempDir('strata-recover-out-');
    const storeDir = path.join(dir, 'backups', 'store');
    for (const id of [first.id, second.id]) {
      const viaScript = path.join(out, `${id}.script.db`);
      const r = spawnSync(process.execPath, [RECOVER, '--store', storeDir, '--point', id, '--out', viaScript], {
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      const viaExport = path.join(out, `${id}.export.db`);
      const e = await strata(dir, ['--json', 'snapshot', 'export', id, '--out', viaExport]);
      expect(e.code, e.stderr).toBe(0);
      expect(equalApartFromJournalHeader(fs.readFileSync(viaScript), fs.readFileSync(viaExport))).toBe(true);
      expect(integrityCheck(viaScript)).toEqual(['ok']);
      expect(contentHash(viaScript)).toBe(contentHash(viaExport));
    }
  }, 60_000);

  it('app and CLI taking snapshots at the same time never corrupt the store', async () => {
    const dir = path.join(tempDir('strata-concurrent-'), 'data');
    await addDemo(dir, 40, 10, 83);
    const app = await StrataApp.open({ dataDir: dir, owner: 'host', diskProbe: roomyDisk });
    let appPoints = 0;
    const cliRuns: Promise<{ code: number; stderr: string }>[] = [];
    try {
      const inApp = (async () => {
        for (let i = 0; i < 5; i++) {
          addSession(app, `from the app ${i}`);
          await app.snapshots.create({ tier: 'manual', label: `app ${i}` });
          appPoints++;
        }
      })();
      // CLI processes start while the app writes; three at once contend for the store's lock too.
      for (let i = 0; i < 3; i++) cliRuns.push(strata(dir, ['--json', 'backup', '--label', `cli ${i}`]));
      await inApp;
      for (let i = 3; i < 5; i++) cliRuns.push(strata(dir, ['--json', 'backup', '--label', `cli ${i}`]));
      for (const r of await Promise.all(cliRuns)) expect(r.code, r.stderr).toBe(0);
    } finally {
      await app.close();
    }
    const list = await strataJson<Listed[]>(dir, ['list']);
    expect(list.length).toBe(appPoints + cliRuns.length);
    expect(list.every((s) => s.storage === 'pages' && s.status === 'checked')).toBe(true);
    const verify = await strata(dir, ['--json', 'verify', '--read-data']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const results = (verify.json as { results: { id: string; ok: boolean }[] }).results;
    expect(results.map((r) => r.id).sort()).toEqual(list.map((s) => s.id).sort());
    expect(PageStore.open(path.join(dir, 'backups', 'store')).verify({ readData: true }).ok).toBe(true);
    expect(fs.readdirSync(path.join(dir, 'backups', 'store', 'locks'))).toEqual([]);

    // Ten points of a database that changed a little cost far less than ten copies.
    const stats = await strataJson<StoreStats>(dir, ['store', 'stats']);
    expect(stats.points).toBe(list.length);
    expect(stats.logicalBytes).toBe(list.reduce((n, s) => n + s.size, 0));
    expect(stats.dedupRatio).toBeGreaterThan(3);
    const gc = await strataJson<{ dryRun: boolean; bytesFreed: number }>(dir, ['store', 'gc', '--dry-run']);
    expect(gc).toMatchObject({ dryRun: true, bytesFreed: 0 });
  }, 120_000);

  it('prune --dry-run says what deleting points frees, and prune frees no more than that', async () => {
    const dir = path.join(tempDir('strata-prune-store-'), 'data');
    await addDemo(dir, 20, 8, 84);
    const app = await StrataApp.open({ dataDir: dir, owner: 'cli', diskProbe: roomyDisk });
    try {
      app.setBackupConfig({ retention: { keep: { manual: 2 } } });
      for (let i = 0; i < 4; i++) {
        addSession(app, `change ${i}`);
        await app.snapshots.create({ tier: 'manual' });
      }
      const plan = await app.prune({ dryRun: true });
      expect(plan.remove.length).toBe(2);
      const stats = await app.snapshots.storeStats();
      // Objects only the two oldest points use: at least their own added pages' worth, above zero.
      expect(plan.freedBytes).toBeGreaterThan(0);
      expect(plan.freedBytes).toBeLessThan(stats.storedBytes);
      const done = await app.prune({ dryRun: false });
      expect(done.remove).toEqual(plan.remove);
      expect((await app.snapshots.list()).length).toBe(2);
      // Within the grace period the GC keeps the young packs; every kept point still verifies.
      for (const s of await app.snapshots.list()) expect((await app.snapshots.verify(s.id)).ok).toBe(true);
      const gc = await app.snapshots.storeGc({ dryRun: true });
      expect(gc.dryRun).toBe(true);
    } finally {
      await app.close();
    }
  }, 120_000);
});
