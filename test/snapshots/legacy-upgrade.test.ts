import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir';
import { contentHash, dbFileOf, integrityCheck, strata, strataJson } from '../helpers/snapshot-fixtures';

/**
 * A data folder made by the gzip store (test/fixtures/legacy-store, written by that code): after
 * the switch to the page store, its snapshots stay listed, verifiable, exportable and restorable,
 * next to the new points, and nothing of them is deleted or rewritten.
 */
const FIXTURE = path.resolve(__dirname, '..', 'fixtures', 'legacy-store');

interface Listed {
  id: string;
  label: string | null;
  status: string;
  storage: 'gzip' | 'pages';
  addedBytes: number;
  size: number;
  counts: Record<string, number>;
  pinned: boolean;
  tier: string;
}

function copyFixture(): string {
  const dir = path.join(tempDir('strata-legacy-'), 'data');
  fs.cpSync(FIXTURE, dir, { recursive: true });
  fs.rmSync(path.join(dir, 'README.md'));
  return dir;
}

const countOf = (file: string, table: string) => {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describe('a data folder from the gzip store', () => {
  it('keeps its snapshots listed, verified, exported and restorable beside new page-store points', async () => {
    const dir = copyFixture();
    const gzipFiles = () =>
      fs
        .readdirSync(path.join(dir, 'backups', 'snapshots'))
        .sort()
        .map((n) => [n, fs.readFileSync(path.join(dir, 'backups', 'snapshots', n)).toString('base64')]);
    const before = gzipFiles();
    const legacy = await strataJson<Listed[]>(dir, ['list']);
    expect(legacy.map((s) => [s.label, s.storage, s.status])).toEqual([
      ['second', 'gzip', 'checked'],
      ['first', 'gzip', 'checked'],
    ]);
    const [second, first] = legacy as [Listed, Listed];
    expect(first.size).toBeGreaterThan(0);

    const verified = await strata(dir, ['--json', 'verify', '--all']);
    expect(verified.code, verified.stderr).toBe(0);

    // A new snapshot goes to the page store; both kinds are listed, newest first.
    const created = await strataJson<{ id: string; stored: { codec: string } }>(dir, ['backup', '--label', 'new']);
    expect(created.stored.codec).toBe('pages');
    const both = await strataJson<Listed[]>(dir, ['list']);
    expect(both.map((s) => [s.label, s.storage])).toEqual([
      ['new', 'pages'],
      ['second', 'gzip'],
      ['first', 'gzip'],
    ]);

    // Export of a gzip snapshot: a plain file with the recorded counts.
    const out = path.join(tempDir('strata-legacy-out-'), 'first.db');
    const exported = await strata(dir, ['--json', 'snapshot', 'export', first.id, '--out', out]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(integrityCheck(out)).toEqual(['ok']);
    expect(countOf(out, 'messages')).toBe(first.counts.messages);

    // Restore of the older gzip snapshot, then undo through the page-store pre-restore point.
    const live = contentHash(dbFileOf(dir));
    const restored = await strata(dir, ['--json', 'restore', first.id, '--yes']);
    expect(restored.code, restored.stderr).toBe(0);
    expect(countOf(dbFileOf(dir), 'sessions')).toBe(first.counts.sessions);
    expect(contentHash(dbFileOf(dir))).toBe(contentHash(out));
    const afterRestore = await strataJson<Listed[]>(dir, ['list']);
    const pre = afterRestore.find((s) => s.tier === 'pre-restore');
    expect(pre).toMatchObject({ storage: 'pages', pinned: true });
    // The current pages were mostly in the store already: the pre-restore point adds little.
    expect(pre!.addedBytes).toBeLessThan(pre!.size / 4);
    const undone = await strata(dir, ['--json', 'restore', '--undo', '--yes']);
    expect(undone.code, undone.stderr).toBe(0);
    expect(contentHash(dbFileOf(dir))).toBe(live);
    expect(countOf(dbFileOf(dir), 'sessions')).toBe(second.counts.sessions);

    const all = await strata(dir, ['--json', 'verify', '--all']);
    expect(all.code, all.stderr).toBe(0);
    const readData = await strata(dir, ['--json', 'verify', '--read-data']);
    expect(readData.code, readData.stderr).toBe(0);
    // The old files are exactly as the earlier code wrote them (only their verify notes changed).
    expect(gzipFiles().map(([n]) => n)).toEqual(before.map(([n]) => n));
    for (const [name, data] of gzipFiles()) {
      if (name!.endsWith('.db.gz')) expect(data).toBe(before.find(([n]) => n === name)![1]);
    }
  }, 120_000);
});
