import path from 'node:path';
import { APP_VERSION } from '../core/app-version';
import { writeFileAtomicSync } from '../core/atomic-file';
import type { StrataDatabase } from '../db/strata-database';
import { SETTINGS_FORMAT, SETTINGS_VERSION, type SettingsFile } from './format';

export interface ExportSettingsOptions {
  /** Include settings marked secret (API keys). Off by default. */
  includeSecrets?: boolean;
  /** Include extension_data records. Off by default. */
  includeExtensionData?: boolean;
  now?: number;
}

export interface SettingsExportResult {
  outFile: string;
  bytes: number;
  settings: number;
  /** Secret settings left out because includeSecrets was not given. */
  secretsLeftOut: number;
  prompts: number;
  favoriteActions: number;
  extensionData: number | null;
}

/** Writes the settings file (plain, versioned JSON) atomically. */
export function exportSettings(
  db: StrataDatabase,
  outFile: string,
  opts: ExportSettingsOptions = {},
): SettingsExportResult {
  const all = db.settings.list();
  const settings = all.filter((s) => opts.includeSecrets || !s.secret);
  const file: SettingsFile = {
    format: SETTINGS_FORMAT,
    version: SETTINGS_VERSION,
    exported_at: new Date(opts.now ?? Date.now()).toISOString(),
    app_version: APP_VERSION,
    includes_secrets: opts.includeSecrets ?? false,
    includes_extension_data: opts.includeExtensionData ?? false,
    settings: settings.map((s) => ({ key: s.key, value: s.value, secret: s.secret })),
    prompts: db.prompts.list().map((p) => ({
      id: p.id,
      name: p.name,
      content: p.content,
      created_at: p.createdAt,
      updated_at: p.updatedAt,
      metadata: p.metadata,
    })),
    favorite_actions: db.favoriteActions.list().map((a) => ({
      id: a.id,
      label: a.label,
      action: a.action,
      position: a.position,
      created_at: a.createdAt,
      updated_at: a.updatedAt,
      metadata: a.metadata,
    })),
  };
  if (opts.includeExtensionData) {
    file.extension_data = db.extensionData.list().map((e) => ({
      extension_id: e.extensionId,
      data_type: e.dataType,
      data: e.data,
      version: e.version,
      created_at: e.createdAt,
      updated_at: e.updatedAt,
    }));
  }
  const text = JSON.stringify(file, null, 2) + '\n';
  const target = path.resolve(outFile);
  writeFileAtomicSync(target, text);
  return {
    outFile: target,
    bytes: Buffer.byteLength(text),
    settings: settings.length,
    secretsLeftOut: all.length - settings.length,
    prompts: file.prompts.length,
    favoriteActions: file.favorite_actions.length,
    extensionData: file.extension_data?.length ?? null,
  };
}
