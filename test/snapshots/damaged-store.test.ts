import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SnapshotSidecar } from '../../src-main/snapshots';
import { tempDir } from '../helpers/temp-dir';
import {
  addDemo,
  contentHash,
  dbFileOf,
  snapshotsDirOf,
  strata,
  strataJson,
  gzipBackup,
} from '../helpers/snapshot-fixtures';

/**
 * A stored snapshot whose metadata is missing or damaged must never be deleted or hidden: it is
 * listed as damaged with the reason, verify fails until it is dealt with, and its metadata can be
 * rebuilt from the stored data itself.
 */

interface ListedEntry {
  id: string;
  status: string;
  reason?: string;
  recoverable?: boolean;
  pinned?: boolean;
}

async function folderWithSnapshots(n: number, seed: number): Promise<{ dir: string; ids: string[] }> {
  const dir = tempDir('strata-damaged-');
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    await addDemo(dir, 3, 4, seed + i);
    ids.push((await gzipBackup(dir, `point ${i}`)).id);
  }
  return { dir, ids };
}

const sidecarOf = (dir: string, id: string) => path.join(snapshotsDirOf(dir), `${id}.json`);
const storedOf = (dir: string, id: string) => path.join(snapshotsDirOf(dir), `${id}.db.gz`);

describe('a stored snapshot without its metadata', () => {
  it('is kept through prune, listed as damaged, rebuilt by verify --all, and then restores', async () => {
    const { dir, ids } = await folderWithSnapshots(2, 100);
    const target = ids[0]!;
    const atTarget = await strataJson<SnapshotSidecar>(dir, ['list']).then(() =>
      fs.readFileSync(storedOf(dir, target)),
    );
    fs.rmSync(sidecarOf(dir, target));
    // Old enough that the previous orphan cleanup (10 minutes) would have deleted it.
    const anHourAgo = new Date(Date.now() - 3_600_000);
    fs.utimesSync(storedOf(dir, target), anHourAgo, anHourAgo);

    expect((await strata(dir, ['prune'])).code).toBe(0);
    expect(fs.readFileSync(storedOf(dir, target)).equals(atTarget), 'the stored data survived prune').toBe(true);

    const listed = await strataJson<ListedEntry[]>(dir, ['list']);
    expect(listed.find((e) => e.id === target)).toMatchObject({ status: 'damaged', recoverable: true });
    expect(listed.find((e) => e.id === target)?.reason).toMatch(/metadata file is missing/);

    const verify = await strata(dir, ['--json', 'verify', '--all']);
    expect(verify.code, verify.stderr).toBe(0);
    const results = (verify.json as { results: { id: string; ok: boolean; recovered?: boolean }[] }).results;
    expect(results.find((r) => r.id === target)).toMatchObject({ ok: true, recovered: true });

    const after = await strataJson<ListedEntry[]>(dir, ['list']);
    expect(after.find((e) => e.id === target)).toMatchObject({ status: 'recovered' });
    const r = await strata(dir, ['restore', target, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect((await strata(dir, ['verify', '--all'])).code).toBe(0);
  }, 60_000);
});

describe('unreadable or tampered metadata', () => {
  it('lists garbage, a missing stored file and a flipped field as damaged; verify --all and health say so', async () => {
    const { dir, ids } = await folderWithSnapshots(4, 200);
    const [garbage, missing, flipped, intact] = ids as [string, string, string, string];
    fs.writeFileSync(sidecarOf(dir, garbage), '{"formatVersion": 1, "id": tr');
    fs.rmSync(storedOf(dir, missing));
    // A flipped `pinned` (without the checksum a writer of this version would add) is caught.
    const s = JSON.parse(fs.readFileSync(sidecarOf(dir, flipped), 'utf8')) as SnapshotSidecar;
    fs.writeFileSync(sidecarOf(dir, flipped), JSON.stringify({ ...s, pinned: !s.pinned }));

    const listed = await strataJson<ListedEntry[]>(dir, ['list']);
    const byId = new Map(listed.map((e) => [e.id, e]));
    expect(byId.get(garbage)).toMatchObject({ status: 'damaged', recoverable: true });
    expect(byId.get(garbage)?.reason).toMatch(/unreadable/);
    expect(byId.get(missing)).toMatchObject({ status: 'damaged', recoverable: false });
    expect(byId.get(missing)?.reason).toMatch(/stored file is missing/);
    expect(byId.get(flipped)?.reason).toMatch(/checksum/);
    expect(byId.get(intact)).toMatchObject({ status: 'checked' });

    // A backup exists, so health must not say there is none; it warns about the damage.
    const stats = await strataJson<{ status: string; reasons: string[] }>(dir, ['stats']);
    expect(stats.status).not.toBe('ok');
    expect(stats.reasons.join(' ')).toMatch(/damaged|cannot be read/i);
    expect(stats.reasons.join(' ')).not.toMatch(/no backup yet/i);

    const verify = await strata(dir, ['--json', 'verify', '--all']);
    expect(verify.code, 'verify --all fails while a snapshot is missing its data').toBe(1);
    const results = (verify.json as { results: { id: string; ok: boolean }[] }).results;
    expect(results.find((r) => r.id === missing)?.ok).toBe(false);
    // The two whose data is intact got their metadata rebuilt from it.
    expect(results.find((r) => r.id === garbage)?.ok).toBe(true);
    expect(results.find((r) => r.id === flipped)?.ok).toBe(true);
    const live = contentHash(dbFileOf(dir));
    expect((await strata(dir, ['restore', garbage, '--yes'])).code).toBe(0);
    expect(contentHash(dbFileOf(dir))).not.toBe(live);
  }, 60_000);
});
