import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PageStore, readDatabasePages } from '../../src-main/page-store';
import { tempDir } from '../helpers/temp-dir';
import { backupCopy, integrityCheck, makeDemoDb, meta, rowCounts, takePoint } from './store-fixtures';

let template = '';
const tempDirForFile = () => fs.mkdtempSync(path.join(os.tmpdir(), 'strata-ps-tpl-'));
beforeAll(async () => {
  template = path.join(tempDirForFile(), 'strata.db');
  await makeDemoDb(template, 20, 100);
});
afterAll(() => fs.rmSync(path.dirname(template), { recursive: true, force: true }));

function liveCopy(): { dir: string; db: string } {
  const dir = tempDir('strata-ps-');
  const db = path.join(dir, 'strata.db');
  fs.copyFileSync(template, db);
  return { dir, db };
}

describe('page store round trip', () => {
  it('materialises a point byte for byte as SQLite sees it, and it passes integrity_check', async () => {
    const { dir, db } = liveCopy();
    const store = PageStore.open(path.join(dir, 'store'));
    const m = await takePoint(store, db, 'p1');
    const out = path.join(dir, 'out.db');
    await store.materialise(m.id, out);
    expect(fs.readFileSync(out).equals(fs.readFileSync(db))).toBe(true);
    expect(integrityCheck(out)).toBe('ok');
    expect(rowCounts(out)).toEqual(rowCounts(db));
    expect(m.pageCount * m.pageSize).toBe(fs.statSync(db).size);
  });

  it('reads committed WAL content too: direct and backup give the same pages as a backup copy', async () => {
    const { dir, db } = liveCopy();
    const writer = new Database(db);
    writer.pragma('journal_mode = WAL');
    writer.pragma('wal_autocheckpoint = 0');
    writer.prepare("UPDATE sessions SET title = 'changed in the WAL' WHERE rowid = 1").run();
    expect(fs.statSync(`${db}-wal`).size).toBeGreaterThan(0);
    const store = PageStore.open(path.join(dir, 'store'));
    // The WAL holds frames: auto must not read the file alone.
    const viaAuto = await readDatabasePages(db, { scratchDir: dir });
    expect(viaAuto.method).toBe('backup');
    viaAuto.close();
    await expect(readDatabasePages(db, { method: 'direct' })).rejects.toThrow(/WAL holds frames/);
    const m = await takePoint(store, db, 'wal-point');
    const out = path.join(dir, 'out.db');
    await store.materialise(m.id, out);
    const reference = path.join(dir, 'reference.db');
    await backupCopy(db, reference);
    const a = fs.readFileSync(out);
    const b = fs.readFileSync(reference);
    expect(a.length).toBe(b.length);
    // Page 1's file change counter (bytes 24–27) and version-valid-for (92–95) are stamped by
    // each backup run; every other byte is the source's own.
    for (const at of [24, 92]) a.copy(b, at, at, at + 4);
    expect(a.equals(b)).toBe(true);
    const check = new Database(out, { readonly: true });
    expect((check.prepare('SELECT title FROM sessions WHERE rowid = 1').get() as { title: string }).title).toBe(
      'changed in the WAL',
    );
    check.close();
    writer.close();
    expect(integrityCheck(out)).toBe('ok');
  });

  it('direct reading holds one read transaction: a write committed meanwhile is not in the point', async () => {
    const { dir, db } = liveCopy();
    const pages = await readDatabasePages(db, { method: 'direct' });
    const other = new Database(db);
    other.pragma('journal_mode = WAL');
    other.prepare("UPDATE sessions SET title = 'after the point' WHERE rowid = 1").run();
    // A checkpoint cannot write into the file while our read transaction pins it.
    other.pragma('busy_timeout = 0');
    const [ckpt] = other.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[];
    expect(ckpt!.log).toBeGreaterThan(0);
    expect(ckpt!.checkpointed).toBe(0);
    const store = PageStore.open(path.join(dir, 'store'));
    const w = await store.beginWrite('test');
    const m = w.commitManifest(await w.putPages(pages), { id: 'pinned-read', meta: meta() });
    w.close();
    pages.close();
    other.close();
    const out = path.join(dir, 'out.db');
    await store.materialise(m.id, out);
    const check = new Database(out, { readonly: true });
    expect((check.prepare('SELECT title FROM sessions WHERE rowid = 1').get() as { title: string }).title).not.toBe(
      'after the point',
    );
    check.close();
    expect(integrityCheck(out)).toBe('ok');
  });

  it('reuses unchanged chunks of the previous point without reading their pages', async () => {
    const { dir, db } = liveCopy();
    const store = PageStore.open(path.join(dir, 'store'));
    const first = await takePoint(store, db, 'a', undefined, 'chunks');
    if (first.format !== 1) throw new Error('expected a chunked point');
    const pages = await readDatabasePages(db, { method: 'direct' });
    const w = await store.beginWrite('test');
    const stored = await w.putPages(pages, { previous: first, changedPages: new Set([3]), layout: 'chunks' });
    pages.close();
    const second = w.commitManifest(stored, { id: 'b', meta: meta() });
    w.close();
    expect(stored.pagesHashed).toBe(Math.min(first.chunkSize, first.pageCount));
    expect(stored.newObjects).toBe(0);
    expect(second.format === 1 && second.chunks).toEqual(first.chunks);
  });

  it('refuses bad input clearly and changes nothing', async () => {
    const { dir, db } = liveCopy();
    const store = PageStore.open(path.join(dir, 'store'));
    const pages = await readDatabasePages(db);
    const w = await store.beginWrite('test');
    const stored = await w.putPages(pages);
    pages.close();
    expect(() => w.commitManifest(stored, { id: '../evil', meta: meta() })).toThrow(/Invalid point id/);
    w.close();
    expect(store.listManifests().manifests).toHaveLength(0);
    expect(() => store.readManifest('nope')).toThrow(/No point/);
  });
});
