import type { StrataDatabase } from '../db/strata-database';
import type { SettingsChange, SettingsPreview } from '../contract/types';
import type { BackupConfigChanges } from './backup-changes';
import type { SettingsImportPreview } from './diff';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Words for the warnings a changed backup config earns. */
function backupWarnings(b: BackupConfigChanges, snapshotsNow: number | null): string[] {
  const out: string[] = [];
  if (b.wouldDelete.length > 0) {
    const tiers = new Map<string, number>();
    for (const d of b.wouldDelete) tiers.set(d.tier, (tiers.get(d.tier) ?? 0) + 1);
    const byTier = [...tiers].map(([t, n]) => `${n} ${t}`).join(', ');
    out.push(
      `Its backup retention would delete ${plural(b.wouldDelete.length, 'existing snapshot')}` +
        `${snapshotsNow !== null ? ` of ${snapshotsNow}` : ''} (${byTier}). Importing needs your confirmation.`,
    );
  } else if (b.confirmationRequired) {
    out.push('It changes backup retention, which can delete existing snapshots. Importing needs your confirmation.');
  } else {
    out.push('It changes the backup schedule or retention (each value is listed below).');
  }
  if (b.turnsOffBackups) out.push('It turns automatic backups off.');
  return out;
}

const shown = (v: unknown) => (v === null ? 'none' : typeof v === 'string' ? v : JSON.stringify(v));

/**
 * The settings-transfer preview as the screens list it: one row per change (and one per
 * backup-config value that changes), plus notes in words.
 */
export function toContractPreview(
  db: StrataDatabase,
  p: SettingsImportPreview,
  opts: { snapshotsNow?: number } = {},
): SettingsPreview {
  const changes: SettingsChange[] = [];
  const summary = { add: 0, update: 0, remove: 0, unchanged: 0 };
  const groups = [
    ['setting', p.settings],
    ['prompt', p.prompts],
    ['favorite action', p.favoriteActions],
    ['extension data', p.extensionData],
  ] as const;
  for (const [kind, set] of groups) {
    if (!set) continue;
    const secret = (key: string) => kind === 'setting' && (db.settings.get(key)?.secret ?? false);
    const rows = [
      ...set.added.map((key) => ({ key, change: 'add' as const })),
      ...set.changed.map((key) => ({ key, change: 'update' as const })),
      ...set.removed.map((key) => ({ key, change: 'remove' as const })),
    ];
    // Values of settings are never shown: some are secrets.
    for (const r of rows) changes.push({ kind, ...r, secret: secret(r.key), before: null, after: null });
    summary.add += set.added.length;
    summary.update += set.changed.length;
    summary.remove += set.removed.length;
    summary.unchanged += set.unchanged;
  }
  // The backup config holds no secret, and each of its values matters on its own.
  for (const c of p.backup?.changes ?? []) {
    changes.push({
      kind: 'backup setting',
      key: c.path,
      change: 'update',
      secret: false,
      before: shown(c.before),
      after: shown(c.after),
    });
  }
  const warnings: string[] = [];
  if (p.noChanges) warnings.push('Importing this file would change nothing.');
  if (p.backup) warnings.push(...backupWarnings(p.backup, opts.snapshotsNow ?? null));
  if (p.file.includesSecrets) warnings.push('This file contains secrets such as API keys; keep it private.');
  if (p.keptSecrets.length > 0) {
    warnings.push(
      `${plural(p.keptSecrets.length, 'secret setting')} on this computer stay as they are: ` +
        'the file was exported without secrets.',
    );
  }
  if (p.mode === 'replace' && summary.remove > 0) {
    warnings.push(`Replace removes ${plural(summary.remove, 'item')} that the file does not have.`);
  }
  return {
    mode: p.mode,
    changes,
    summary,
    warnings,
    backup: p.backup
      ? {
          snapshotsDeleted: p.backup.wouldDelete.map((d) => d.id),
          confirmationRequired: p.backup.confirmationRequired,
        }
      : null,
  };
}
