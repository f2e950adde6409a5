import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StrataApp } from '../../src-main/app/strata-app';
import { seededRandom } from '../../src-main/db/demo-data';
import type { SnapshotEntry, SnapshotSidecar } from '../../src-main/snapshots';
import {
  addDemo,
  contentHash,
  dbFileOf,
  isReadableProblem,
  leftovers,
  roomyDisk,
  strata,
  strataJson,
  resealSidecar,
  gzipBackup,
} from '../helpers/snapshot-fixtures';
import { readRestoreHistory } from '../../src-main/snapshots/restore-journal';

/**
 * Every single-byte change and every truncation of a stored snapshot must be caught by verify,
 * and a damaged snapshot must never be restored over the live data.
 * The folder is built once (beforeAll) in a folder this file removes itself.
 */
const SEED = Number(process.env.STRATA_CORRUPT_SEED ?? 1);
const random = seededRandom(SEED);

let dataDir: string;
let snapshot: SnapshotSidecar;
let pristine: Buffer;
let app: StrataApp;

function storedPath(): string {
  return path.join(dataDir, 'backups', 'snapshots', snapshot.stored.file);
}

function sidecarPath(): string {
  return path.join(dataDir, 'backups', 'snapshots', `${snapshot.id}.json`);
}

/** Writes a damaged copy of the stored file, runs fn, then puts the original bytes back. */
async function withStoredBytes<T>(bytes: Buffer, fn: () => Promise<T>): Promise<T> {
  fs.writeFileSync(storedPath(), bytes);
  try {
    return await fn();
  } finally {
    fs.writeFileSync(storedPath(), pristine);
  }
}

function flipped(position: number): Buffer {
  const copy = Buffer.from(pristine);
  // XOR with a random non-zero mask: always a real change, sometimes several bits.
  copy[position] = copy[position]! ^ (1 + Math.floor(random() * 255));
  return copy;
}

/**
 * Verifies the damaged bytes and returns what went wrong, or null when verify reported the damage
 * properly (ok=false with readable problems). A verify that throws instead also counts as wrong.
 */
async function verifyMisses(bytes: Buffer, what: string): Promise<string | null> {
  try {
    const result = await withStoredBytes(bytes, () => app.snapshots.verify(snapshot.id));
    if (result.ok) return `${what}: not detected`;
    if (result.problems.length === 0) return `${what}: ok=false without a problem`;
    const unreadable = result.problems.find((p) => !isReadableProblem(p));
    if (unreadable !== undefined) return `${what}: unreadable problem "${unreadable}"`;
    if (!/checksum mismatch|could not be decompressed|size mismatch/i.test(result.problems.join(' ')))
      return `${what}: problem does not say what is wrong: ${result.problems.join('; ')}`;
    return null;
  } catch (e) {
    return `${what}: verify threw instead of reporting: ${(e as { code?: string }).code}: ${(e as Error).message}`;
  }
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-corrupt-'));
  // Big enough for three 8 MiB gzip members, so member boundaries are real.
  await addDemo(dataDir, 330, 40, 7);
  snapshot = await gzipBackup(dataDir, 'to damage');
  pristine = fs.readFileSync(storedPath());
  app = await StrataApp.open({ dataDir, owner: 'cli', diskProbe: roomyDisk });
}, 120_000);

afterAll(async () => {
  await app?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('verify catches damage to a stored snapshot', () => {
  it('passes on the untouched snapshot (the baseline the damage is measured against)', async () => {
    expect(snapshot.stored.codecOptions.members.length).toBeGreaterThanOrEqual(3);
    const r = await app.snapshots.verify(snapshot.id);
    expect(r).toMatchObject({ ok: true, problems: [] });
  });

  it('detects a flipped byte at the first, last, every member boundary and ~100 random positions', async () => {
    const size = pristine.length;
    const positions = new Set<number>([0, 1, size - 1, size - 2]);
    let offset = 0;
    for (const memberBytes of snapshot.stored.codecOptions.members) {
      // Last byte of one member (gzip ISIZE) and first byte of the next (gzip magic).
      positions.add(offset);
      if (offset > 0) positions.add(offset - 1);
      positions.add(offset + 3); // gzip FLG byte of the member
      offset += memberBytes;
    }
    expect(offset).toBe(size);
    while (positions.size < 110) positions.add(Math.floor(random() * size));
    const misses: string[] = [];
    for (const pos of [...positions].filter((p) => p >= 0 && p < size).sort((a, b) => a - b)) {
      const miss = await verifyMisses(flipped(pos), `flipped byte at ${pos} of ${size}`);
      if (miss) misses.push(miss);
    }
    expect(misses, `seed ${SEED}`).toEqual([]);
  }, 120_000);

  it('detects truncation at 0, 1, half, last-1 and random lengths', async () => {
    const size = pristine.length;
    const lengths = new Set<number>([0, 1, 10, Math.floor(size / 2), size - 8, size - 1]);
    for (const m of snapshot.stored.codecOptions.members.slice(0, -1)) lengths.add(m); // exactly at a member end
    while (lengths.size < 25) lengths.add(Math.floor(random() * size));
    const misses: string[] = [];
    for (const len of [...lengths].sort((a, b) => a - b)) {
      const miss = await verifyMisses(pristine.subarray(0, len), `truncation to ${len} of ${size} bytes`);
      if (miss) misses.push(miss);
    }
    expect(misses, `seed ${SEED}`).toEqual([]);
  }, 120_000);

  it('records a failed verify in the sidecar, and the CLI names the damaged snapshot and exits 1', async () => {
    const r = await withStoredBytes(flipped(Math.floor(pristine.length / 3)), () =>
      strata(dataDir, ['verify', snapshot.id]),
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`DAMAGED   ${snapshot.id}`);
    expect(r.stdout).toMatch(/checksum mismatch|could not be decompressed/);
    const sidecar = JSON.parse(fs.readFileSync(sidecarPath(), 'utf8')) as SnapshotSidecar;
    expect(sidecar.lastVerify?.ok).toBe(false);
    // The untouched file verifies again, and that is recorded too.
    expect((await app.snapshots.verify(snapshot.id)).ok).toBe(true);
    expect((JSON.parse(fs.readFileSync(sidecarPath(), 'utf8')) as SnapshotSidecar).lastVerify?.ok).toBe(true);
  });

  it('fails when the sidecar records a different checksum or different counts', async () => {
    const original = fs.readFileSync(sidecarPath(), 'utf8');
    const edit = async (patch: (s: SnapshotSidecar) => void) => {
      const s = JSON.parse(original) as SnapshotSidecar;
      patch(s);
      fs.writeFileSync(sidecarPath(), JSON.stringify(resealSidecar(s)));
      try {
        return await app.snapshots.verify(snapshot.id);
      } finally {
        fs.writeFileSync(sidecarPath(), original);
      }
    };
    const sha = await edit((s) => {
      s.stored.sha256 = (s.stored.sha256[0] === 'a' ? 'b' : 'a') + s.stored.sha256.slice(1);
    });
    expect(sha.ok).toBe(false);
    expect(sha.problems.join(' ')).toMatch(/checksum mismatch/);

    const sessions = snapshot.counts.sessions!;
    const counts = await edit((s) => {
      s.counts.sessions = sessions + 1;
    });
    expect(counts.ok).toBe(false);
    expect(counts.problems).toContain(`record count of sessions is ${sessions}, expected ${sessions + 1}`);

    const messages = await edit((s) => {
      s.counts.messages = 0;
    });
    expect(messages.ok).toBe(false);
    expect(messages.problems.join(' ')).toMatch(/record count of messages/);
  });
});

describe('restoring a damaged snapshot', () => {
  it('is refused and leaves the live database, its history and the snapshot list unchanged', async () => {
    // The live data differs from the snapshot, so a wrongful restore would show.
    await app.close();
    await addDemo(dataDir, 3, 5, 99);
    const live = contentHash(dbFileOf(dataDir));
    const listBefore = (await strataJson<SnapshotEntry[]>(dataDir, ['list'])).map((s) => s.id);
    const damages: [string, Buffer][] = [
      ['a flipped byte in the middle', flipped(Math.floor(pristine.length / 2))],
      ['a flipped last byte', flipped(pristine.length - 1)],
      ['truncation to half', pristine.subarray(0, Math.floor(pristine.length / 2))],
      ['an empty file', Buffer.alloc(0)],
    ];
    for (const [what, bytes] of damages) {
      const r = await withStoredBytes(bytes, () => strata(dataDir, ['--json', 'restore', snapshot.id, '--yes']));
      expect(r.code, `${what}: restore must fail`).not.toBe(0);
      expect(contentHash(dbFileOf(dataDir)), `${what}: live data changed`).toBe(live);
      expect(leftovers(dataDir).root, `${what}: temp files left`).toEqual([]);
      // The person is told the snapshot is damaged and that nothing changed.
      const error = (r.json as { error?: { code: string; message: string } }).error;
      expect.soft(error?.code, `${what}: ${error?.message}`).toBe('snapshot_damaged');
      expect.soft(error?.message, what).toMatch(/nothing was restored/);
    }
    expect(readRestoreHistory(path.join(dataDir, 'backups'))).toEqual([]);
    // No pre-restore snapshot was taken for a restore that never happened.
    expect((await strataJson<SnapshotEntry[]>(dataDir, ['list'])).map((s) => s.id)).toEqual(listBefore);
    app = await StrataApp.open({ dataDir, owner: 'cli', diskProbe: roomyDisk });
  }, 120_000);
});
