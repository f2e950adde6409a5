import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FolderBackend, FOLDER_MARKER } from '../../src-main/remotes/folder-backend';
import { tempDir } from '../helpers/temp-dir';
import { names } from './remote-contract';

describe('FolderBackend', () => {
  it("ignores sync tools' conflict copies, hidden files and temp files in listings", async () => {
    const root = path.join(tempDir('strata-sync-'), 'Dropbox', 'Strata');
    const b = await FolderBackend.open(root, { create: true });
    await b.save({ kind: 'manifest', name: 'dev/20261201T120000000Z-auto-aaaaaa' }, Buffer.from('{}'));
    const dir = path.join(root, 'manifests', 'dev');
    for (const n of [
      '20261201T120000000Z-auto-aaaaaa (conflicted copy 2026-12-01).json',
      "20261201T120000000Z-auto-aaaaaa (Work laptop's conflicted copy 2026-12-01).json",
      '20261201T120000000Z-auto-aaaaaa.sync-conflict-20261201-120000-ABCDEFG.json',
      '.20261201T120000000Z-auto-aaaaaa.json.abc123.tmp',
      '.syncthing.20261201T120000000Z-auto-bbbbbb.json.tmp',
      '20261201T120000000Z-auto-aaaaaa (1).json',
    ]) {
      fs.writeFileSync(path.join(dir, n), 'copy');
    }
    fs.mkdirSync(path.join(root, '.stfolder'));
    fs.mkdirSync(path.join(root, 'manifests', 'dev (conflicted copy)'));
    fs.writeFileSync(path.join(root, 'manifests', 'dev (conflicted copy)', 'x.json'), 'copy');
    expect(await names(b, 'manifest')).toEqual(['dev/20261201T120000000Z-auto-aaaaaa']);
    expect(await names(b, 'manifest', { prefix: 'dev/' })).toEqual(['dev/20261201T120000000Z-auto-aaaaaa']);
  });

  it('writes private files through a temp name, and never over an immutable file', async () => {
    const root = path.join(tempDir('strata-drive-'), 'copy');
    const b = await FolderBackend.open(root, { create: true });
    const name = 'ef'.repeat(32);
    await b.save({ kind: 'pack', name }, Buffer.from('one'));
    await expect(b.save({ kind: 'pack', name }, Buffer.from('two'))).rejects.toMatchObject({ code: 'already_exists' });
    const file = path.join(root, 'packs', 'ef', `${name}.pack`);
    expect(fs.readFileSync(file, 'utf8')).toBe('one');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.dirname(file))).toEqual([`${name}.pack`]);
    expect(fs.existsSync(path.join(root, FOLDER_MARKER))).toBe(true);
  });

  it('refuses to turn a folder holding other files into a mirror', async () => {
    const root = tempDir('strata-busy-');
    fs.writeFileSync(path.join(root, 'holiday.jpg'), 'x');
    await expect(FolderBackend.open(root, { create: true })).rejects.toMatchObject({ code: 'data_folder_not_empty' });
    expect(fs.existsSync(path.join(root, FOLDER_MARKER))).toBe(false);
  });
});
