import type { StrataDatabase } from '../db/strata-database';
import { backupChangesNotAccepted, type BackupContext } from './backup-changes';
import { planSettingsImport, type SettingsImportPreview } from './diff';
import type { ImportMode } from './format';
import { readSettingsFile } from './read-file';

export interface PreviewSettingsOptions {
  mode?: ImportMode;
  /** The snapshots there are now, so the preview can say which a new retention would delete. */
  backup?: BackupContext;
}

/** Validates the file and says what an import in `mode` would add, change and remove. Writes nothing. */
export function previewSettingsImport(
  db: StrataDatabase,
  inFile: string,
  opts: PreviewSettingsOptions = {},
): SettingsImportPreview {
  return planSettingsImport(db, readSettingsFile(inFile), opts.mode ?? 'merge', opts.backup ?? null).preview;
}

export interface ImportSettingsOptions extends PreviewSettingsOptions {
  /**
   * Apply a backup config that would delete existing snapshots (or, without `backup`, any
   * retention change). Without it such an import fails with `confirmation_required`.
   */
  acceptBackupChanges?: boolean;
  /** Runs after validation and before any write (the app takes a safety snapshot here). */
  beforeImport?: () => Promise<void>;
}

export interface SettingsImportResult extends SettingsImportPreview {
  applied: boolean;
}

/**
 * Validates the whole file, runs `beforeImport`, then applies every change in one IMMEDIATE
 * transaction: all of it or, on any failure, none of it.
 */
export async function importSettings(
  db: StrataDatabase,
  inFile: string,
  opts: ImportSettingsOptions = {},
): Promise<SettingsImportResult> {
  const mode = opts.mode ?? 'merge';
  const context = opts.backup ?? null;
  const file = readSettingsFile(inFile);
  const before = planSettingsImport(db, file, mode, context).preview;
  if (before.noChanges) return { ...before, applied: false };
  if (before.backup?.confirmationRequired && !opts.acceptBackupChanges) throw backupChangesNotAccepted(before.backup);
  await opts.beforeImport?.();
  const apply = db.connection.transaction(() => {
    // Planned again inside the transaction: the database may have moved on during beforeImport.
    const { preview, keys } = planSettingsImport(db, file, mode, context);
    if (preview.backup?.confirmationRequired && !opts.acceptBackupChanges) {
      throw backupChangesNotAccepted(preview.backup);
    }
    for (const k of keys.settings.removed) db.settings.delete(k);
    for (const s of file.settings) {
      if (keys.settings.touched.has(s.key)) db.settings.set(s.key, s.value, { secret: s.secret });
    }
    for (const id of keys.prompts.removed) db.prompts.delete(id);
    for (const p of file.prompts) {
      if (!keys.prompts.touched.has(p.id)) continue;
      db.prompts.upsert({ id: p.id, name: p.name, content: p.content, metadata: p.metadata, createdAt: p.created_at });
    }
    for (const id of keys.actions.removed) db.favoriteActions.delete(id);
    for (const a of file.favorite_actions) {
      if (!keys.actions.touched.has(a.id)) continue;
      db.favoriteActions.upsert({
        id: a.id,
        label: a.label,
        action: a.action,
        position: a.position,
        metadata: a.metadata,
        createdAt: a.created_at,
      });
    }
    if (file.extension_data && keys.extensionData) {
      for (const id of keys.extensionData.removed) db.extensionData.delete(id);
      for (const e of file.extension_data) {
        if (keys.extensionData.touched.has(e.extension_id)) db.extensionData.put(e.extension_id, e.data_type, e.data);
      }
    }
    return preview;
  });
  const preview = apply.immediate();
  return { ...preview, applied: true };
}
