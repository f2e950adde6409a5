import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir';
import { richFolder } from '../helpers/rich-folder';
import type { StrataDatabase } from '../../src-main/db';
import { exportAllJson, importAllJson } from '../../src-main/full-export';
import { openFolder } from '../archives/helpers';

function dumpAll(db: StrataDatabase): Record<string, unknown[][]> {
  const out: Record<string, unknown[][]> = {};
  for (const name of Object.keys(db.tableCounts())) {
    out[name] = db.connection.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).raw(true).all() as unknown[][];
  }
  return out;
}

describe('full JSON export and import', () => {
  it('export-json -> import-json into an empty folder gives the same counts and content', async () => {
    const dir = tempDir();
    const src = await richFolder(path.join(dir, 'src'));
    const file = path.join(dir, 'all.json.gz');
    const exp = await exportAllJson(src.file, file);
    expect(exp.counts.messages).toBe(120);
    const imp = await importAllJson(file, path.join(dir, 'dst'));
    expect(imp.counts).toEqual(exp.counts);
    const dst = await openFolder(path.join(dir, 'dst'));
    expect(dst.tableCounts()).toEqual(src.tableCounts());
    expect(dumpAll(dst)).toEqual(dumpAll(src));
    expect(dst.metadata.get().totalMessages).toBe(120);
    src.close();
    dst.close();
  });

  it('refuses a folder that holds data, and a damaged file, leaving everything as it was', async () => {
    const dir = tempDir();
    const src = await richFolder(path.join(dir, 'src'));
    const file = path.join(dir, 'all.json.gz');
    await exportAllJson(src.file, file);
    const before = dumpAll(src);
    await expect(importAllJson(file, path.join(dir, 'src'))).rejects.toMatchObject({ code: 'data_folder_not_empty' });
    expect(dumpAll(src)).toEqual(before);

    const text = zlib.gunzipSync(fs.readFileSync(file)).toString('utf8');
    const tampered = path.join(dir, 'tampered.json.gz');
    fs.writeFileSync(tampered, zlib.gzipSync(Buffer.from(text.replace('"theme"', '"thyme"'))));
    await expect(importAllJson(tampered, path.join(dir, 'dst'))).rejects.toMatchObject({ code: 'checksum_mismatch' });
    const cut = path.join(dir, 'cut.json.gz');
    fs.writeFileSync(cut, fs.readFileSync(file).subarray(0, 2000));
    await expect(importAllJson(cut, path.join(dir, 'dst'))).rejects.toMatchObject({ code: 'corrupt_file' });
    const future = path.join(dir, 'future.json.gz');
    fs.writeFileSync(future, zlib.gzipSync(Buffer.from(text.replace(/"schema_version":\d+/, '"schema_version":99'))));
    await expect(importAllJson(future, path.join(dir, 'dst'))).rejects.toMatchObject({ code: 'unsupported_version' });
    // Nothing but the (released) lock area was left in the target folder.
    expect(fs.readdirSync(path.join(dir, 'dst')).filter((f) => f.includes('strata.db'))).toEqual([]);
    src.close();
  });
});
