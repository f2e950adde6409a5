import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir';
import { runStrata } from '../helpers/cli';

describe('strata CLI: archives, settings, full export, retention', () => {
  it('runs every command end to end', async () => {
    const dir = tempDir();
    const data = path.join(dir, 'data');
    const s = (...args: string[]) => runStrata(['--data-dir', data, ...args]);
    expect((await s('demo', '--sessions', '2', '--messages-per-session', '30')).code).toBe(0);
    const list = (await s('--json', 'sessions', 'list')).json as { id: string; title: string }[];
    const id = list[0]!.id;

    const archive = path.join(dir, 'one.json.gz');
    const exp = await s('--json', 'session', 'export', id, '--out', archive);
    expect(exp.code).toBe(0);
    expect(exp.json).toMatchObject({ sessionId: id, messageCount: 30, format: 'json' });
    const md = await s('session', 'export', id, '--out', path.join(dir, 'one.md'), '--format', 'md');
    expect(md.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'one.md'), 'utf8')).toContain(`# ${list[0]!.title}`);

    const imp = await s('session', 'import', archive);
    expect(imp.code).toBe(0);
    expect(imp.stdout).toMatch(/Imported ".* \(restored\)" as session [0-9a-f-]{36}: 30 messages/);
    const dup = await s('--json', 'session', 'import', archive);
    expect(dup.code).toBe(1);
    expect(dup.json).toMatchObject({ error: { code: 'duplicate_archive' } });
    expect(dup.stderr).toMatch(/^error: This archive was already imported/m);
    expect(dup.stderr).not.toMatch(/at .*\.cjs/); // no stack trace
    expect((await s('session', 'import', archive, '--allow-duplicate')).code).toBe(0);
    const bad = path.join(dir, 'bad.json.gz');
    fs.writeFileSync(bad, 'not gzip at all');
    const badRun = await s('session', 'import', bad);
    expect(badRun.code).toBe(1);
    expect(badRun.stderr).toMatch(/not a gzipped Strata archive/);
    const usage = await s('session', 'export', id, '--format', 'pdf', '--out', 'x');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--format must be 'json' or 'md'/);

    const settingsFile = path.join(dir, 'settings.json');
    expect((await s('settings', 'export', '--out', settingsFile)).code).toBe(0);
    const other = path.join(dir, 'other');
    const dry = await runStrata([
      '--data-dir',
      other,
      '--json',
      'settings',
      'import',
      settingsFile,
      '--dry-run',
      '--replace',
    ]);
    expect(dry.code).toBe(0);
    expect(dry.json).toMatchObject({ dryRun: true, applied: false, mode: 'replace' });
    expect((await runStrata(['--data-dir', other, 'settings', 'import', settingsFile])).code).toBe(0);

    const all = path.join(dir, 'all.json.gz');
    const ej = await s('--json', 'export-json', '--out', all);
    expect(ej.code).toBe(0);
    const counts = (ej.json as { counts: Record<string, number> }).counts;
    expect(counts.messages).toBe(120);
    const rebuilt = path.join(dir, 'rebuilt');
    const ij = await runStrata(['--data-dir', rebuilt, '--json', 'import-json', all]);
    expect(ij.code).toBe(0);
    expect((ij.json as { counts: Record<string, number> }).counts).toEqual(counts);
    const info = await runStrata(['--data-dir', rebuilt, '--json', 'db', 'info']);
    expect((info.json as { counts: Record<string, number>; quickCheck: string }).quickCheck).toBe('ok');
    const again = await runStrata(['--data-dir', rebuilt, 'import-json', all]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds data/);

    const ret = await s('--json', 'retention', 'run', '--dry-run');
    expect(ret.code).toBe(0);
    expect(ret.json).toMatchObject({ dryRun: true, policy: { logsDays: 7, analyticsDays: 90 } });
    expect((await s('retention', 'run')).stdout).toMatch(/app_logs: 0 deleted/);
  }, 120_000);
});
