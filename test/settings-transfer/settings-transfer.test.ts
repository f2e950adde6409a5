import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir';
import { exportSettings, importSettings, previewSettingsImport } from '../../src-main/settings-transfer';
import type { StrataDatabase } from '../../src-main/db';
import { contentDigest, openFolder } from '../archives/helpers';

async function seeded(dir: string): Promise<StrataDatabase> {
  const db = await openFolder(dir);
  db.settings.set('theme', 'dark');
  db.settings.set('fontSize', 14);
  db.settings.set('openai.apiKey', 'sk-secret', { secret: true });
  db.prompts.upsert({ id: 'p1', name: 'Summarise', content: 'Summarise this' });
  db.prompts.upsert({ id: 'p2', name: 'Translate', content: 'Translate to French' });
  db.favoriteActions.upsert({ id: 'a1', label: 'Copy', action: 'copy', position: 1 });
  db.extensionData.put('ext.one', 'state', { on: true });
  return db;
}

describe('settings export and import', () => {
  it('leaves secrets out unless asked, and extension data unless asked', async () => {
    const dir = tempDir();
    const db = await seeded(path.join(dir, 'a'));
    const plain = exportSettings(db, path.join(dir, 'plain.json'));
    const text = fs.readFileSync(plain.outFile, 'utf8');
    expect(text).not.toContain('sk-secret');
    expect(plain.secretsLeftOut).toBe(1);
    expect(JSON.parse(text).extension_data).toBeUndefined();
    const full = exportSettings(db, path.join(dir, 'full.json'), { includeSecrets: true, includeExtensionData: true });
    const doc = JSON.parse(fs.readFileSync(full.outFile, 'utf8'));
    expect(doc).toMatchObject({ format: 'strata-settings', version: 1, includes_secrets: true });
    expect(doc.settings).toContainEqual({ key: 'openai.apiKey', value: 'sk-secret', secret: true });
    expect(doc.extension_data).toHaveLength(1);
    db.close();
  });

  it('previews added, changed and removed items without writing, then merges or replaces', async () => {
    const dir = tempDir();
    const source = await seeded(path.join(dir, 'a'));
    const file = path.join(dir, 's.json');
    exportSettings(source, file);
    source.close();

    const target = await openFolder(path.join(dir, 'b'));
    target.settings.set('theme', 'light');
    target.settings.set('local.only', true);
    target.settings.set('anthropic.apiKey', 'sk-mine', { secret: true });
    target.prompts.upsert({ id: 'p9', name: 'Mine', content: 'mine' });
    const digest = contentDigest(target);

    const merge = previewSettingsImport(target, file);
    expect(merge.settings.added.sort()).toEqual(['fontSize']);
    expect(merge.settings.changed).toEqual(['theme']);
    expect(merge.settings.removed).toEqual([]);
    expect(merge.prompts.added).toEqual(['Summarise (p1)', 'Translate (p2)']);
    expect(merge.favoriteActions.added).toEqual(['Copy (a1)']);
    const replace = previewSettingsImport(target, file, { mode: 'replace' });
    expect(replace.settings.removed).toEqual(['local.only']);
    expect(replace.keptSecrets).toEqual(['anthropic.apiKey']);
    expect(replace.prompts.removed).toEqual(['Mine (p9)']);
    expect(contentDigest(target)).toBe(digest);

    let snapshots = 0;
    const merged = await importSettings(target, file, { beforeImport: async () => void snapshots++ });
    expect(merged.applied).toBe(true);
    expect(snapshots).toBe(1);
    expect(target.settings.getValue('theme', '')).toBe('dark');
    expect(target.settings.getValue('local.only', false)).toBe(true);
    expect(
      target.prompts
        .list()
        .map((p) => p.id)
        .sort(),
    ).toEqual(['p1', 'p2', 'p9']);

    await importSettings(target, file, { mode: 'replace' });
    expect(target.settings.get('local.only')).toBeNull();
    expect(target.settings.getValue('anthropic.apiKey', '')).toBe('sk-mine');
    expect(
      target.prompts
        .list()
        .map((p) => p.id)
        .sort(),
    ).toEqual(['p1', 'p2']);
    expect(target.favoriteActions.list().map((a) => a.label)).toEqual(['Copy']);

    const again = await importSettings(target, file, { mode: 'replace', beforeImport: async () => void snapshots++ });
    expect(again.applied).toBe(false);
    expect(again.noChanges).toBe(true);
    expect(snapshots).toBe(1);
    target.close();
  });

  it('refuses bad files clearly and changes nothing', async () => {
    const dir = tempDir();
    const db = await seeded(path.join(dir, 'a'));
    const good = path.join(dir, 'good.json');
    exportSettings(db, good);
    const digest = contentDigest(db);
    const doc = JSON.parse(fs.readFileSync(good, 'utf8'));
    const cases: [string, string | Buffer, RegExp][] = [
      ['not-json', '{oops', /not JSON/],
      ['gzip', Buffer.from([0x1f, 0x8b, 8, 0]), /gzip file/],
      ['wrong-format', JSON.stringify({ ...doc, format: 'x' }), /format is "x"/],
      ['future', JSON.stringify({ ...doc, version: 9 }), /version 9, newer/],
      ['wrong-type', JSON.stringify({ ...doc, prompts: [{ ...doc.prompts[0], content: 5 }] }), /prompts\[0\]\.content/],
      ['dup', JSON.stringify({ ...doc, settings: [...doc.settings, doc.settings[0]] }), /appears twice/],
      [
        'proto',
        JSON.stringify(doc).replace('{"format"', '{"__proto__":{"x":1},"format"'),
        /unexpected key\(s\) __proto__/,
      ],
      [
        'huge',
        JSON.stringify({ ...doc, prompts: [{ ...doc.prompts[0], content: 'x'.repeat(2_000_000) }] }),
        /prompts\[0\]\.content/,
      ],
      ['secret-lie', JSON.stringify({ ...doc, settings: [{ key: 'k', value: 1, secret: true }] }), /secret settings/],
    ];
    for (const [name, content, msg] of cases) {
      const f = path.join(dir, `${name}.json`);
      fs.writeFileSync(f, content);
      await expect(importSettings(db, f, { mode: 'replace' }), name).rejects.toThrow(msg);
      expect(() => previewSettingsImport(db, f)).toThrow(msg);
      expect(contentDigest(db), name).toBe(digest);
    }
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    db.close();
  });

  it('is all or nothing when the database refuses one change midway', async () => {
    const dir = tempDir();
    const source = await seeded(path.join(dir, 'a'));
    source.settings.set('zzz.boom', 1);
    const file = path.join(dir, 's.json');
    exportSettings(source, file);
    source.close();
    const target = await openFolder(path.join(dir, 'b'));
    target.settings.set('theme', 'light');
    // A database-level failure on the last setting written, after others were already applied.
    target.connection.exec(
      `CREATE TRIGGER boom BEFORE INSERT ON settings WHEN NEW.key = 'zzz.boom' BEGIN SELECT RAISE(ABORT, 'boom'); END`,
    );
    const digest = contentDigest(target);
    await expect(importSettings(target, file)).rejects.toThrow(/boom/);
    expect(contentDigest(target)).toBe(digest);
    expect(target.settings.getValue('theme', '')).toBe('light');
    expect(target.prompts.list()).toEqual([]);
    target.close();
  });
});
