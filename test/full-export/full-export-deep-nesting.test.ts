import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir';
import { generateDemoData } from '../../src-main/db';
import { exportAllJson, importAllJson } from '../../src-main/full-export';
import { openFolder } from '../archives/helpers';

const DEPTH = 200_000;
const deepArray = '['.repeat(DEPTH) + ']'.repeat(DEPTH);
const deepObject = '{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH);

describe('a full export nested 200,000 levels deep', () => {
  it('is refused as invalid_export (never internal), and leaves no database behind', async () => {
    const dir = tempDir();
    const src = await openFolder(path.join(dir, 'src'));
    generateDemoData(src.connection, { sessions: 1, messagesPerSession: 3, seed: 5 });
    src.settings.set('theme', 'dark');
    const file = path.join(dir, 'all.json.gz');
    await exportAllJson(src.file, file);
    src.close();
    const text = zlib.gunzipSync(fs.readFileSync(file)).toString('utf8');
    expect(text).toContain('"theme"');
    const cases: [string, string][] = [
      ['whole-array', deepArray],
      ['whole-object', deepObject],
      ['in-a-row', text.replace('"theme"', deepObject)],
      ['as-a-row', text.replace(/"rows":\[/, `"rows":[${deepArray},`)],
      ['in-metadata', text.replace(/"metadata":\{/, `"metadata":{"x":${deepArray},`)],
    ];
    for (const [name, doc] of cases) {
      const f = path.join(dir, `${name}.json.gz`);
      fs.writeFileSync(f, zlib.gzipSync(Buffer.from(doc)));
      const target = path.join(dir, `dst-${name}`);
      const err = await importAllJson(f, target).then(
        () => null,
        (e: unknown) => e as { code: string; message: string },
      );
      expect(err, name).not.toBeNull();
      expect(err!.code, `${name}: ${err!.message}`).toBe('invalid_export');
      expect(err!.message).not.toMatch(/call stack/);
      const left = fs.existsSync(target) ? fs.readdirSync(target).filter((n) => n.includes('strata.db')) : [];
      expect(left, name).toEqual([]);
    }
  });
});
