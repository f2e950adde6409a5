import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StrataApp } from '../../src-main/app/strata-app';
import type { SnapshotSidecar } from '../../src-main/snapshots';
import { tempDir } from '../helpers/temp-dir';
import {
  addDemo,
  mountTmpfs,
  snapshotsDirOf,
  strata,
  strataJson,
  TMPFS_SKIP_REASON,
} from '../helpers/snapshot-fixtures';

/**
 * A real full disk: a small tmpfs the test mounts (as root). What is listed as good must be what
 * is on disk, a full disk gives a clear `disk_full`, and a check the full disk kept from running
 * never marks an intact snapshot damaged or gets it pruned.
 */
const probe = mountTmpfs(64);
probe?.unmount();
const canMount = probe !== null;

const mounted: { unmount(): void }[] = [];
afterEach(() => {
  while (mounted.length) mounted.pop()!.unmount();
});

/** A data folder with demo data, made on a roomy disk and then moved onto a fresh small tmpfs. */
async function demoOnTmpfs(sizeKiB: number, sessions: number, messages: number, seed: number): Promise<string> {
  const made = path.join(tempDir('strata-full-seed-'), 'data');
  await addDemo(made, sessions, messages, seed);
  const m = mountTmpfs(sizeKiB);
  if (!m) throw new Error('mount failed');
  mounted.push(m);
  const dir = path.join(m.dir, 'data');
  fs.cpSync(made, dir, { recursive: true });
  return dir;
}

interface Listed {
  id: string;
  status: string;
  stored?: { sizeBytes: number; sha256: string };
  storage?: string;
}

function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Fills the filesystem to the last byte with a file the test can remove again. */
function fill(dir: string): string {
  const filler = path.join(dir, 'filler.bin');
  const fd = fs.openSync(filler, 'w');
  const chunk = Buffer.alloc(4096, 7);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOSPC') throw e;
  } finally {
    fs.closeSync(fd);
  }
  return filler;
}

describe.skipIf(!canMount)(`snapshots on a full disk (${canMount ? 'real tmpfs' : TMPFS_SKIP_REASON})`, () => {
  it('never lists a truncated snapshot: each backup is whole on disk or refused with disk_full', async () => {
    const dir = await demoOnTmpfs(1600, 5, 20, 51);
    let written = 0;
    let full = 0;
    // Until the disk has refused a few backups (it holds a handful of these).
    for (let i = 0; i < 40 && full < 3; i++) {
      // New data each time: the page store keeps unchanged pages once, so only change fills it.
      if (i > 0) await strata(dir, ['demo', '--sessions', '3', '--messages-per-session', '20', '--seed', `${60 + i}`]);
      const r = await strata(dir, ['--json', 'backup']);
      if (r.code === 0) written++;
      else {
        expect((r.json as { error: { code: string } }).error.code, r.stderr).toBe('disk_full');
        expect(r.stderr).not.toMatch(/\n\s+at /);
        full++;
      }
      // Every snapshot listed as good has exactly the recorded bytes on disk.
      for (const s of await strataJson<Listed[]>(dir, ['list'])) {
        expect(s.status, `${s.id} listed`).not.toBe('damaged');
        if (s.storage === 'pages') {
          // A point is listed once its manifest, written last, read back; its packs were read
          // back and hashed before that. The full verify on a roomy copy below reads them all.
          expect(fs.existsSync(path.join(dir, 'backups', 'store', 'manifests', `${s.id}.json`))).toBe(true);
          continue;
        }
        const file = path.join(snapshotsDirOf(dir), `${s.id}.db.gz`);
        expect(fs.statSync(file).size, `${s.id} size on disk`).toBe(s.stored!.sizeBytes);
        expect(sha256(file), `${s.id} bytes on disk`).toBe(s.stored!.sha256);
      }
    }
    expect(written, 'some backups fit').toBeGreaterThan(0);
    expect(full, 'the disk filled up').toBeGreaterThan(0);
    // Copied to a roomy disk, every listed snapshot verifies in full.
    const copy = path.join(tempDir('strata-full-copy-'), 'data');
    fs.cpSync(dir, copy, { recursive: true });
    const verify = await strata(copy, ['--json', 'verify', '--all']);
    expect(verify.code, verify.stderr).toBe(0);
  }, 120_000);

  it('a verify the full disk keeps from running marks nothing damaged, prune keeps the only snapshot, the app keeps running', async () => {
    const dir = await demoOnTmpfs(2400, 5, 20, 52);
    const snap = await strataJson<SnapshotSidecar>(dir, ['backup']);
    // The app is running when the disk fills up.
    const app = await StrataApp.open({ dataDir: dir, owner: 'cli' });
    const filler = fill(path.dirname(dir));

    const verify = await strata(dir, ['--json', 'verify', '--all']);
    expect(verify.code, 'a verify that could not run is not a pass').toBe(1);
    const [result] = (verify.json as { results: { status: string; problems: string[] }[] }).results;
    expect(result?.status).toBe('unchecked');
    expect(result?.problems.join(' ')).toMatch(/free space|disk is full/i);
    const prune = await strata(dir, ['prune']);
    expect(prune.code, prune.stderr).toBe(0);
    // Still listed and not damaged (on a disk this full even the "unchecked" note may not fit).
    const listed = await strataJson<Listed[]>(dir, ['list']);
    expect(listed.map((s) => s.id)).toEqual([snap.id]);
    expect(['checked', 'unchecked']).toContain(listed[0]!.status);

    // The app on the full disk: a snapshot fails clearly, the app still answers, health warns.
    try {
      await expect(app.snapshots.create({ tier: 'manual' })).rejects.toMatchObject({ code: 'disk_full' });
      expect(app.db.sessions.list().length).toBeGreaterThan(0);
      expect((await app.health()).status).not.toBe('ok');
    } finally {
      await app.close();
    }

    fs.rmSync(filler);
    const again = await strata(dir, ['--json', 'verify', '--all']);
    expect(again.code, JSON.stringify(again.json)).toBe(0);
    expect((await strataJson<Listed[]>(dir, ['list'])).map((s) => s.status)).toEqual(['verified']);
  }, 120_000);
});
