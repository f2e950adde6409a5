import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir';
import { runStrata } from '../helpers/cli';

/** Every keep count at 0 and a 1-minute interval: the file that once wiped a backup history. */
const WIPE = {
  autoIntervalMinutes: 1,
  retention: { keep: { startup: 0, auto: 0, hourly: 0, daily: 0, weekly: 0, manual: 0 } },
};

describe('strata settings import with a backup.config that deletes snapshots', () => {
  it('shows each value, warns, refuses without --accept-backup-changes, and applies with it', async () => {
    const dir = tempDir();
    const data = path.join(dir, 'data');
    const s = (...args: string[]) => runStrata(['--data-dir', data, ...args]);
    expect((await s('demo', '--sessions', '1', '--messages-per-session', '5')).code).toBe(0);
    for (let i = 0; i < 3; i++) expect((await s('backup', '--label', `b${i}`)).code).toBe(0);
    const ids = ((await s('--json', 'list')).json as { id: string }[]).map((x) => x.id);
    expect(ids).toHaveLength(3);

    const file = path.join(dir, 'wipe.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        format: 'strata-settings',
        version: 1,
        exported_at: new Date().toISOString(),
        app_version: 'test',
        includes_secrets: false,
        includes_extension_data: false,
        settings: [{ key: 'backup.config', value: WIPE, secret: false }],
        prompts: [],
        favorite_actions: [],
      }),
    );

    const dry = await s('settings', 'import', file, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/retention\.keep\.auto: 10 -> 0/);
    expect(dry.stdout).toMatch(/autoIntervalMinutes: 15 -> 1/);
    expect(dry.stdout).toMatch(/warning: this retention would delete 2 existing snapshot\(s\)/);
    expect(dry.stdout).toMatch(/importing needs --accept-backup-changes/);

    const refused = await s('--json', 'settings', 'import', file);
    expect(refused.code).toBe(1);
    expect(refused.json).toMatchObject({ error: { code: 'confirmation_required' } });
    expect(refused.stderr).toMatch(/--accept-backup-changes/);
    // Nothing changed: no safety snapshot, no stored config.
    expect(((await s('--json', 'list')).json as unknown[]).length).toBe(3);
    const still = await s('--json', 'settings', 'import', file, '--dry-run');
    expect((still.json as { backup: { changes: unknown[] } }).backup.changes.length).toBeGreaterThan(0);

    const accepted = await s('--json', 'settings', 'import', file, '--accept-backup-changes');
    expect(accepted.code).toBe(0);
    expect(accepted.json).toMatchObject({ applied: true });
    const after = await s('--json', 'settings', 'import', file, '--dry-run');
    expect(after.json).toMatchObject({ backup: null, noChanges: true });
  }, 120_000);
});
