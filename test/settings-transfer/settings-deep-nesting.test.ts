import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir';
import { exportSettings, importSettings, previewSettingsImport } from '../../src-main/settings-transfer';
import { contentDigest, openFolder } from '../archives/helpers';

const DEPTH = 200_000;
const deepArray = '['.repeat(DEPTH) + ']'.repeat(DEPTH);
const deepObject = '{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH);

describe('a settings file nested 200,000 levels deep', () => {
  it('is refused as invalid_settings_file (never internal), changing nothing', async () => {
    const dir = tempDir();
    const db = await openFolder(path.join(dir, 'a'));
    db.settings.set('theme', 'dark');
    db.prompts.upsert({ id: 'p1', name: 'P', content: 'c' });
    const good = path.join(dir, 'good.json');
    exportSettings(db, good);
    const text = fs.readFileSync(good, 'utf8');
    const digest = contentDigest(db);
    const cases: [string, string][] = [
      ['whole-array', deepArray],
      ['whole-object', deepObject],
      ['setting-value', text.replace('"value": "dark"', `"value": ${deepObject}`)],
      ['prompt-metadata', text.replace('"metadata": {}', `"metadata": {"x": ${deepArray}}`)],
    ];
    for (const [name, content] of cases) {
      expect(content, name).not.toBe(text.length > 0 && name.startsWith('whole') ? '' : text);
      const f = path.join(dir, `${name}.json`);
      fs.writeFileSync(f, content);
      for (const run of [() => importSettings(db, f, { mode: 'replace' }), async () => previewSettingsImport(db, f)]) {
        const err = await run().then(
          () => null,
          (e: unknown) => e as { code: string; message: string },
        );
        expect(err, name).not.toBeNull();
        expect(err!.code, `${name}: ${err!.message}`).toBe('invalid_settings_file');
        expect(err!.message).toMatch(/nested more than 1000 levels deep/);
      }
      expect(contentDigest(db), name).toBe(digest);
    }
    db.close();
  });
});
