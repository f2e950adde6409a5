import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir';
import {
  importSettings,
  previewSettingsImport,
  toContractPreview,
  type BackupContext,
} from '../../src-main/settings-transfer';
import type { RetentionCandidate } from '../../src-main/snapshots/retention';
import type { StrataDatabase } from '../../src-main/db';
import { contentDigest, openFolder } from '../archives/helpers';

const NOW = Date.UTC(2026, 5, 10, 12);
const MIN = 60_000;

/** Twelve auto snapshots 15 minutes apart (newest first) and one older manual one, all good. */
function history(): RetentionCandidate[] {
  const auto = Array.from({ length: 12 }, (_, i) => ({
    id: `auto-${i}`,
    tier: 'auto' as const,
    createdAt: NOW - i * 15 * MIN,
    storedBytes: 1000,
    pinned: false,
    good: true,
  }));
  return [
    ...auto,
    { id: 'manual-0', tier: 'manual', createdAt: NOW - 5 * 60 * MIN, storedBytes: 1000, pinned: false, good: true },
  ];
}
const context = (): BackupContext => ({ snapshots: history(), now: NOW });

/** A settings file that holds only `backup.config` (and, optionally, more settings). */
function settingsFile(dir: string, name: string, backupConfig: unknown, more: { key: string; value: unknown }[] = []) {
  const file = path.join(dir, name);
  const settings = [
    ...(backupConfig === undefined ? [] : [{ key: 'backup.config', value: backupConfig, secret: false }]),
    ...more.map((m) => ({ ...m, secret: false })),
  ];
  fs.writeFileSync(
    file,
    JSON.stringify({
      format: 'strata-settings',
      version: 1,
      exported_at: new Date(NOW).toISOString(),
      app_version: 'test',
      includes_secrets: false,
      includes_extension_data: false,
      settings,
      prompts: [],
      favorite_actions: [],
    }),
  );
  return file;
}

const WIPE = {
  autoIntervalMinutes: 1,
  retention: { keep: { startup: 0, auto: 0, hourly: 0, daily: 0, weekly: 0, manual: 0 } },
};

async function folder(): Promise<{ dir: string; db: StrataDatabase }> {
  const dir = tempDir();
  const db = await openFolder(path.join(dir, 'data'));
  db.settings.set('theme', 'dark');
  return { dir, db };
}

describe('a settings file that carries backup.config', () => {
  it('previews schedule and retention value by value, with the snapshots it would delete', async () => {
    const { dir, db } = await folder();
    const file = settingsFile(dir, 'wipe.json', WIPE);
    const p = previewSettingsImport(db, file, { backup: context() });
    expect(p.backup).not.toBeNull();
    const changes = p.backup!.changes;
    expect(changes).toContainEqual({ path: 'autoIntervalMinutes', before: 15, after: 1 });
    expect(changes).toContainEqual({ path: 'retention.keep.auto', before: 10, after: 0 });
    expect(changes).toContainEqual({ path: 'retention.keep.manual', before: 100, after: 0 });
    // Untouched values are not listed.
    expect(changes.map((c) => c.path)).not.toContain('retention.maxAgeDays');
    // Today's retention already drops auto-10 and auto-11; the newest good snapshot is always kept.
    expect(p.backup!.wouldDelete.map((d) => d.id).sort()).toEqual(
      [...Array.from({ length: 9 }, (_, i) => `auto-${i + 1}`), 'manual-0'].sort(),
    );
    expect(p.backup!.confirmationRequired).toBe(true);

    const shown = toContractPreview(db, p, { snapshotsNow: 13 });
    expect(shown.changes).toContainEqual({
      kind: 'backup setting',
      key: 'retention.keep.auto',
      change: 'update',
      secret: false,
      before: '10',
      after: '0',
    });
    expect(shown.warnings.join('\n')).toMatch(/would delete 10 existing snapshots of 13 \(9 auto, 1 manual\)/);
    expect(shown.backup).toEqual({ snapshotsDeleted: expect.any(Array), confirmationRequired: true });
    expect(shown.backup!.snapshotsDeleted).toHaveLength(10);
    db.close();
  });

  it('refuses to import it without acceptBackupChanges, changing nothing and taking no safety snapshot', async () => {
    const { dir, db } = await folder();
    const file = settingsFile(dir, 'wipe.json', WIPE, [{ key: 'theme', value: 'light' }]);
    const digest = contentDigest(db);
    let safety = 0;
    const err = await importSettings(db, file, { backup: context(), beforeImport: async () => void safety++ }).then(
      () => null,
      (e: unknown) => e as { code: string; message: string; details: { snapshotsDeleted: string[] } },
    );
    expect(err?.code).toBe('confirmation_required');
    expect(err!.message).toMatch(
      /10 existing snapshots would be deleted.*--accept-backup-changes.*Nothing was changed/,
    );
    expect(err!.details.snapshotsDeleted).toHaveLength(10);
    expect(safety).toBe(0);
    expect(contentDigest(db)).toBe(digest);
    expect(db.settings.get('backup.config')).toBeNull();

    const done = await importSettings(db, file, {
      backup: context(),
      acceptBackupChanges: true,
      beforeImport: async () => void safety++,
    });
    expect(done.applied).toBe(true);
    expect(safety).toBe(1);
    expect(db.settings.get('backup.config')?.value).toEqual(WIPE);
    expect(db.settings.getValue('theme', '')).toBe('light');
    db.close();
  });

  it('imports a schedule change that deletes nothing without asking, and still lists it', async () => {
    const { dir, db } = await folder();
    const file = settingsFile(dir, 'gentle.json', { autoIntervalMinutes: 5, retention: { keep: { auto: 20 } } });
    const p = previewSettingsImport(db, file, { backup: context() });
    expect(p.backup!.changes).toEqual([
      { path: 'autoIntervalMinutes', before: 15, after: 5 },
      { path: 'retention.keep.auto', before: 10, after: 20 },
    ]);
    expect(p.backup!.wouldDelete).toEqual([]);
    expect(p.backup!.confirmationRequired).toBe(false);
    const r = await importSettings(db, file, { backup: context() });
    expect(r.applied).toBe(true);
    expect(db.settings.get('backup.config')?.value).toEqual({
      autoIntervalMinutes: 5,
      retention: { keep: { auto: 20 } },
    });
    db.close();
  });

  it('without the snapshot list, any retention change needs confirmation', async () => {
    const { dir, db } = await folder();
    const file = settingsFile(dir, 'gentle.json', { retention: { keep: { auto: 20 } } });
    const p = previewSettingsImport(db, file);
    expect(p.backup).toMatchObject({ snapshotsKnown: false, confirmationRequired: true, wouldDelete: [] });
    await expect(importSettings(db, file)).rejects.toMatchObject({ code: 'confirmation_required' });
    const schedule = settingsFile(dir, 'schedule.json', { autoIntervalMinutes: 30 });
    expect(previewSettingsImport(db, schedule).backup).toMatchObject({ confirmationRequired: false });
    db.close();
  });

  it('a replace without backup.config returns to the defaults, and that is shown too', async () => {
    const { dir, db } = await folder();
    db.settings.set('backup.config', { retention: { keep: { auto: 50 } }, enabled: true });
    const file = settingsFile(dir, 'plain.json', undefined, [{ key: 'theme', value: 'dark' }]);
    expect(previewSettingsImport(db, file, { backup: context() }).backup).toBeNull(); // merge leaves it alone
    const p = previewSettingsImport(db, file, { mode: 'replace', backup: context() });
    expect(p.backup!.changes).toEqual([{ path: 'retention.keep.auto', before: 50, after: 10 }]);
    expect(p.backup!.wouldDelete.map((d) => d.id)).toEqual(['auto-10', 'auto-11']);
    await expect(importSettings(db, file, { mode: 'replace', backup: context() })).rejects.toMatchObject({
      code: 'confirmation_required',
    });
    expect(db.settings.get('backup.config')).not.toBeNull();
    db.close();
  });

  it('says when backups would be turned off, and ignores a value that parses to the same config', async () => {
    const { dir, db } = await folder();
    const off = previewSettingsImport(db, settingsFile(dir, 'off.json', { enabled: false }), { backup: context() });
    expect(off.backup).toMatchObject({ turnsOffBackups: true, confirmationRequired: false });
    expect(toContractPreview(db, off).warnings).toContain('It turns automatic backups off.');
    const same = previewSettingsImport(db, settingsFile(dir, 'same.json', { autoIntervalMinutes: 15 }), {
      backup: context(),
    });
    expect(same.settings.added).toEqual(['backup.config']);
    expect(same.backup).toBeNull();
    db.close();
  });

  it('refuses a backup.config that is not valid backup settings', async () => {
    const { dir, db } = await folder();
    const digest = contentDigest(db);
    const file = settingsFile(dir, 'bad.json', { retention: { keep: { auto: -1 } } });
    expect(() => previewSettingsImport(db, file, { backup: context() })).toThrow(
      /not a valid Strata settings file: setting backup.config is not valid backup settings \(retention.keep.auto/i,
    );
    await expect(importSettings(db, file, { acceptBackupChanges: true })).rejects.toMatchObject({
      code: 'invalid_settings_file',
    });
    expect(contentDigest(db)).toBe(digest);
    db.close();
  });
});
