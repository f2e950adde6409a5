import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ESLint } from 'eslint';
import { build, type Rollup } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';
import { noNodeModules } from '../../src-renderer/vite.config';

const root = path.resolve(__dirname, '../..');
const scratch: string[] = [];
afterAll(() => {
  for (const d of scratch) fs.rmSync(d, { recursive: true, force: true });
});

describe('the contract folder imports only zod and itself (npm run lint)', () => {
  const eslint = new ESLint({ cwd: root });
  // Linted as if it were a file in src-main/contract/; nothing is written into the source tree.
  const lintAsContractFile = async (code: string) => {
    const [result] = await eslint.lintText(code, { filePath: path.join(root, 'src-main/contract/probe.ts') });
    return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports');
  };

  it('fails on an import from the snapshot engine, the database or Node', async () => {
    for (const spec of ['../snapshots/config', '../db', '../core/errors', 'node:fs', 'fs', 'better-sqlite3']) {
      const errors = await lintAsContractFile(`import * as m from '${spec}';\nexport const x = m;\n`);
      expect(errors, spec).toHaveLength(1);
      expect(errors[0]!.severity, spec).toBe(2);
      expect(errors[0]!.message, spec).toContain('src-main/operations/');
    }
    // Type-only imports and re-exports are held to the same rule.
    expect(
      await lintAsContractFile(`import type { Tier } from '../snapshots/config';\nexport type T = Tier;\n`),
    ).toHaveLength(1);
    expect(await lintAsContractFile(`export { TIERS } from '../snapshots/config';\n`)).toHaveLength(1);
  });

  it('allows zod and sibling files, and the real contract files pass', async () => {
    expect(
      await lintAsContractFile(
        `import { z } from 'zod';\nimport { TIERS } from './tiers';\nexport const t = z.enum(TIERS);\n`,
      ),
    ).toEqual([]);
    const results = await eslint.lintFiles(['src-main/contract/']);
    expect(results.length).toBeGreaterThan(5);
    expect(results.flatMap((r) => r.messages.map((m) => `${r.filePath}: ${m.message}`))).toEqual([]);
  });
});

describe('the renderer build refuses Node modules', () => {
  async function buildPage(entrySource: string, files: Record<string, string> = {}): Promise<Rollup.RollupOutput> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-vite-'));
    scratch.push(dir);
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><script type="module" src="./main.ts"></script>');
    fs.writeFileSync(path.join(dir, 'main.ts'), entrySource);
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    const out = await build({
      configFile: false,
      root: dir,
      logLevel: 'silent',
      plugins: [noNodeModules()],
      build: { write: false, outDir: path.join(dir, 'out') },
    });
    return (Array.isArray(out) ? out[0] : out) as Rollup.RollupOutput;
  }

  it('fails with the importer named, for node: and bare built-in names alike', async () => {
    for (const spec of ['node:path', 'fs', 'fs/promises']) {
      const err = await buildPage(`import * as m from '${spec}';\nconsole.log(m);\n`).catch((e: Error) => e);
      expect(err, spec).toBeInstanceOf(Error);
      expect((err as Error).message, spec).toMatch(new RegExp(`main\\.ts imports the Node module '${spec}'`));
    }
  });

  it('builds a page that imports only browser-safe code', async () => {
    const out = await buildPage(`import { twice } from './util';\nconsole.log(twice(2));\n`, {
      'util.ts': 'export const twice = (n: number) => n * 2;\n',
    });
    expect(out.output.some((o) => o.type === 'chunk')).toBe(true);
  });

  it('the real renderer bundles no src-main code outside the contract', async () => {
    const result = await build({
      configFile: path.join(root, 'src-renderer/vite.config.ts'),
      logLevel: 'silent',
      build: { write: false },
    });
    const out = (Array.isArray(result) ? result[0] : result) as Rollup.RollupOutput;
    const fromMain = out.output
      .flatMap((o) => (o.type === 'chunk' ? o.moduleIds : []))
      .map((id) => path.relative(root, id).split(path.sep).join('/'))
      .filter((id) => id.startsWith('src-main/'));
    expect(fromMain.length).toBeGreaterThan(0);
    expect(fromMain.filter((id) => !id.startsWith('src-main/contract/'))).toEqual([]);
  });
});
