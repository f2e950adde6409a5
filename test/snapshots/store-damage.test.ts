import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir';
import { addDemo, strata, strataJson } from '../helpers/snapshot-fixtures';

/**
 * Damage in the page store seen through the CLI: a flipped manifest or a truncated pack is
 * detected, named for exactly the points that depend on it, and never deletes anything.
 */
interface Listed {
  id: string;
  status: string;
  reason?: string;
  recoverable?: boolean;
}

interface VerifyOut {
  ok: boolean;
  results: { id: string; ok: boolean; status: string; problems: string[] }[];
}

async function threePoints(): Promise<{ dir: string; ids: string[] }> {
  const dir = path.join(tempDir('strata-store-damage-'), 'data');
  await addDemo(dir, 30, 10, 95);
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    if (i > 0) await addDemo(dir, 4, 30, 96 + i);
    ids.push((await strataJson<{ id: string }>(dir, ['backup'])).id);
  }
  return { dir, ids };
}

const storeOf = (dir: string) => path.join(dir, 'backups', 'store');

describe('damage in the page store', () => {
  it('a flipped manifest lists its point as damaged, keeps it through prune, and leaves the others whole', async () => {
    const { dir, ids } = await threePoints();
    const file = path.join(storeOf(dir), 'manifests', `${ids[1]}.json`);
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, text.replace('"pinned": false', '"pinned": true'));

    const list = await strataJson<Listed[]>(dir, ['list']);
    const damaged = list.find((s) => s.id === ids[1]);
    expect(damaged).toMatchObject({ status: 'damaged', recoverable: true });
    expect(damaged?.reason).toMatch(/manifest .*checksum/);
    expect(list.filter((s) => s.status !== 'damaged').map((s) => s.id)).toEqual([ids[2], ids[0]]);

    const verify = await strata(dir, ['--json', 'verify', '--all']);
    expect(verify.code).toBe(1);
    const results = (verify.json as VerifyOut).results;
    expect(results.filter((r) => !r.ok).map((r) => r.id)).toEqual([ids[1]]);
    const health = await strataJson<{ status: string }>(dir, ['stats']);
    expect(health.status).not.toBe('ok');

    // Neither prune nor its GC removes it or the pages it names.
    expect((await strata(dir, ['prune'])).code).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe(text.replace('"pinned": false', '"pinned": true'));
    const readData = await strata(dir, ['--json', 'verify', '--read-data']);
    const byId = new Map<string | undefined, VerifyOut['results'][number]>(
      (readData.json as VerifyOut).results.map((r) => [r.id, r]),
    );
    expect(byId.get(ids[0])?.ok).toBe(true);
    expect(byId.get(ids[2])?.ok).toBe(true);
    expect(byId.get(ids[1])?.ok).toBe(false);
  }, 60_000);

  it('a truncated pack is named, with only the points that use its objects', async () => {
    const { dir, ids } = await threePoints();
    // The newest pack holds what only the newest point added.
    const packs = (fs.readdirSync(path.join(storeOf(dir), 'packs'), { recursive: true }) as string[])
      .filter((n) => n.endsWith('.pack'))
      .map((n) => path.join(storeOf(dir), 'packs', n))
      .sort((a, b) => fs.statSync(a).mtimeMs - fs.statSync(b).mtimeMs);
    const newest = packs[packs.length - 1]!;
    fs.truncateSync(newest, Math.floor(fs.statSync(newest).size / 2));

    const readData = await strata(dir, ['--json', 'verify', '--read-data']);
    expect(readData.code).toBe(1);
    const out = readData.json as VerifyOut;
    const bad = out.results.filter((r) => !r.ok);
    expect(bad.map((r) => r.id)).toEqual([ids[2]]);
    expect(bad[0]!.problems.join(' ')).toContain(path.basename(newest, '.pack').slice(0, 12));
    expect(out.results.find((r) => r.id === ids[0])?.ok).toBe(true);
    expect(out.results.find((r) => r.id === ids[1])?.ok).toBe(true);
    // Restoring the damaged point is refused before anything changes; the others still export.
    const restore = await strata(dir, ['--json', 'restore', ids[2]!, '--yes']);
    expect(restore.code).not.toBe(0);
    const exported = await strata(dir, ['--json', 'snapshot', 'export', ids[1]!, '--out', path.join(dir, 'x.db')]);
    expect(exported.code, exported.stderr).toBe(0);
  }, 60_000);
});
