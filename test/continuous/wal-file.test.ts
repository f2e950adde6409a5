import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openConnection } from '../../src-main/db/connection';
import { encodeSegment, Segment, SegmentDamagedError } from '../../src-main/continuous/segment-file';
import { frameOffset, readWalHeader, scanCommits, startOf } from '../../src-main/continuous/wal-file';
import { readWalIndexHeader } from '../../src-main/continuous/wal-index';
import { seededBytes } from '../helpers/seeded-random';
import { tempDir } from '../helpers/temp-dir';

function walWithCommits(n: number): { file: string; wal: string } {
  const file = path.join(tempDir('strata-wal-'), 'a.db');
  const db = openConnection(file);
  db.exec('CREATE TABLE t (x BLOB)');
  for (let i = 0; i < n; i++) db.prepare('INSERT INTO t VALUES (?)').run(seededBytes(i + 1, 2500));
  // A copy of the WAL as it is now: the tests damage the copy, never a live file.
  const wal = `${file}.copy-wal`;
  fs.copyFileSync(`${file}-wal`, wal);
  db.close();
  return { file, wal };
}

function scan(wal: string) {
  const fd = fs.openSync(wal, 'r');
  try {
    const header = readWalHeader(fd);
    return header ? scanCommits(fd, header, startOf(header)) : null;
  } finally {
    fs.closeSync(fd);
  }
}

describe('reading the WAL', () => {
  it('finds every commit SQLite wrote, each ending where the WAL index says', () => {
    const file = path.join(tempDir('strata-wal-'), 'a.db');
    const db = openConnection(file);
    try {
      db.exec('CREATE TABLE t (x BLOB)');
      for (let i = 0; i < 6; i++) db.prepare('INSERT INTO t VALUES (?)').run(seededBytes(i + 1, 2500));
      const idx = readWalIndexHeader(`${file}-shm`)!;
      const fd = fs.openSync(`${file}-wal`, 'r');
      const header = readWalHeader(fd)!;
      const commits = scanCommits(fd, header, startOf(header));
      fs.closeSync(fd);
      expect(commits.length).toBe(7);
      expect(commits.at(-1)!.frameEnd).toBe(idx.mxFrame);
      expect(header.salt1).toBe(idx.salt1);
      expect(commits.at(-1)!.dbPages).toBe(db.pragma('page_count', { simple: true }));
    } finally {
      db.close();
    }
  });

  it('stops at the first frame whose checksum or salt is wrong, and at a cut-off frame', () => {
    const { wal } = walWithCommits(8);
    const whole = scan(wal)!;
    const pageSize = 4096;
    const third = whole[3]!;
    // A flipped byte inside a frame of the fourth commit: only the three before it remain.
    const bytes = fs.readFileSync(wal);
    const flipped = Buffer.from(bytes);
    flipped[frameOffset(third.frameEnd, pageSize) + 24 + 100]! ^= 0xff;
    fs.writeFileSync(wal, flipped);
    expect(scan(wal)!.length).toBe(3);
    // A wrong salt in a frame header: the same.
    const salted = Buffer.from(bytes);
    salted.writeUInt32BE(12345, frameOffset(third.frameEnd, pageSize) + 8);
    fs.writeFileSync(wal, salted);
    expect(scan(wal)!.length).toBe(3);
    // Cut in the middle of the last frame: the last commit is not whole, so it is not there.
    fs.writeFileSync(wal, bytes.subarray(0, bytes.length - 100));
    expect(scan(wal)!.length).toBe(whole.length - 1);
    // Garbage is not a WAL at all.
    fs.writeFileSync(wal, seededBytes(7, 40_000));
    expect(scan(wal)).toBeNull();
  });
});

describe('segment files', () => {
  it('read back what was written, and refuse a flipped byte or a cut file', () => {
    const dir = tempDir('strata-seg-');
    const page = seededBytes(3, 4096);
    const end = { salt1: 1, salt2: 2, frame: 3, checksum: [4, 5] as [number, number] };
    const bytes = encodeSegment({ generation: 'g', first: 1, last: 1, pageSize: 4096, end }, [
      { at: 10, frame: 3, dbPages: 2, pages: new Map([[2, page]]) },
    ]);
    const file = path.join(dir, 'a.seg');
    fs.writeFileSync(file, bytes);
    const seg = Segment.read(file);
    expect(seg.footer.commits[0]!.pages[0]![0]).toBe(2);
    expect(seg.pageAt(seg.footer.commits[0]!.pages[0]![1]).equals(page)).toBe(true);
    for (const at of [8, 30, bytes.length - 60, bytes.length - 20]) {
      const bad = Buffer.from(bytes);
      bad[at]! ^= 0x01;
      expect(() => Segment.parse(file, bad)).toThrow(SegmentDamagedError);
    }
    expect(() => Segment.parse(file, bytes.subarray(0, bytes.length - 1))).toThrow(SegmentDamagedError);
  });
});
