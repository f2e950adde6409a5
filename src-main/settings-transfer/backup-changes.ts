import { StrataError } from '../core/errors';
import type { StrataDatabase } from '../db/strata-database';
import { BACKUP_CONFIG_KEY, parseBackupConfig, type BackupConfig, type Tier } from '../snapshots/config';
import { planRetention, type RetentionCandidate } from '../snapshots/retention';
import { invalidSettingsFile, type SettingsFile } from './format';

/**
 * A settings file may carry `backup.config` (schedule and retention). Importing it silently could
 * thin away the backup history at the next prune, so the preview lists every value that changes
 * and counts the existing snapshots the new retention would delete; an import that deletes any
 * needs an explicit yes.
 */

/** The snapshots there are now, as retention sees them, to count what a new retention deletes. */
export interface BackupContext {
  snapshots: RetentionCandidate[];
  /** ms since epoch (the app's clock). */
  now: number;
}

export interface BackupValueChange {
  /** Dotted path in the backup config, such as "retention.keep.auto". */
  path: string;
  before: unknown;
  after: unknown;
}

export interface BackupConfigChanges {
  /** Every value that differs, in the config's own order. */
  changes: BackupValueChange[];
  /** Snapshots that exist now, that the current retention keeps and the imported one deletes; newest first. */
  wouldDelete: { id: string; tier: Tier; createdAt: number }[];
  /** False when no snapshot list was given: then any retention change counts as deleting. */
  snapshotsKnown: boolean;
  /** The imported config turns automatic backups off. */
  turnsOffBackups: boolean;
  /** Importing needs acceptBackupChanges. */
  confirmationRequired: boolean;
}

export { retentionCandidates, type SnapshotListing } from '../snapshots/retention-candidates';

/** The config in force now: a stored value that no longer parses means defaults, as the app does. */
function currentConfig(db: StrataDatabase): BackupConfig {
  try {
    return parseBackupConfig(db.settings.get(BACKUP_CONFIG_KEY)?.value);
  } catch {
    return parseBackupConfig({});
  }
}

function importedConfig(value: unknown): BackupConfig {
  try {
    return parseBackupConfig(value);
  } catch (e) {
    const message = e instanceof StrataError ? e.message.replace(/^Invalid backup settings: /, '') : String(e);
    throw invalidSettingsFile(`setting ${BACKUP_CONFIG_KEY} is not valid backup settings (${message})`);
  }
}

/** Leaf values of a parsed config by dotted path (the schema is shallow, so recursion is bounded). */
function leaves(value: unknown, prefix: string, out: Map<string, unknown>): Map<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, value);
  return out;
}

export function diffBackupConfigs(before: BackupConfig, after: BackupConfig): BackupValueChange[] {
  const a = leaves(before, '', new Map());
  const b = leaves(after, '', new Map());
  const changes: BackupValueChange[] = [];
  for (const [path, value] of b) {
    const old = a.get(path);
    if (JSON.stringify(old) !== JSON.stringify(value)) changes.push({ path, before: old ?? null, after: value });
  }
  return changes;
}

/**
 * What importing `file` does to the backup config: null when it leaves it alone. Throws
 * invalid_settings_file when the file's backup config is not valid.
 */
export function planBackupConfigChange(
  db: StrataDatabase,
  file: SettingsFile,
  settings: { touched: Set<string>; removed: Set<string> },
  ctx: BackupContext | null,
): BackupConfigChanges | null {
  let next: BackupConfig;
  if (settings.touched.has(BACKUP_CONFIG_KEY)) {
    next = importedConfig(file.settings.find((s) => s.key === BACKUP_CONFIG_KEY)?.value);
  } else if (settings.removed.has(BACKUP_CONFIG_KEY)) {
    next = parseBackupConfig({}); // a replace without backup.config goes back to the defaults
  } else {
    return null;
  }
  const now = currentConfig(db);
  const changes = diffBackupConfigs(now, next);
  if (changes.length === 0) return null;
  let wouldDelete: BackupConfigChanges['wouldDelete'] = [];
  if (ctx) {
    const keptNow = new Set(planRetention(ctx.snapshots, now.retention, { now: ctx.now }).remove);
    const after = planRetention(ctx.snapshots, next.retention, { now: ctx.now });
    wouldDelete = after.decisions
      .filter((d) => d.action === 'remove' && !keptNow.has(d.id))
      .map((d) => ({ id: d.id, tier: d.tier, createdAt: d.createdAt }));
  }
  const retentionChanged = changes.some((c) => c.path.startsWith('retention.'));
  return {
    changes,
    wouldDelete,
    snapshotsKnown: ctx !== null,
    turnsOffBackups: now.enabled && !next.enabled,
    confirmationRequired: ctx ? wouldDelete.length > 0 : retentionChanged,
  };
}

/** Why an import stops when its backup changes were not accepted. */
export function backupChangesNotAccepted(b: BackupConfigChanges): StrataError {
  const what = b.snapshotsKnown
    ? `${b.wouldDelete.length} existing snapshot${b.wouldDelete.length === 1 ? '' : 's'} would be deleted by its retention`
    : 'its retention could delete existing snapshots';
  return new StrataError(
    'confirmation_required',
    `This settings file changes the backup schedule and retention, and ${what}. ` +
      'Review the changes in the preview, then import again and accept them ' +
      '(from a terminal: --accept-backup-changes). Nothing was changed.',
    { snapshotsDeleted: b.wouldDelete.map((d) => d.id) },
  );
}
