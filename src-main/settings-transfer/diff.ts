import type { StrataDatabase } from '../db/strata-database';
import { planBackupConfigChange, type BackupConfigChanges, type BackupContext } from './backup-changes';
import type { ImportMode, SettingsFile } from './format';

export interface ChangeSet {
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: number;
}

export interface SettingsImportPreview {
  mode: ImportMode;
  file: { exportedAt: string; appVersion: string; includesSecrets: boolean; includesExtensionData: boolean };
  /** Setting keys (values are never shown: some are secrets). */
  settings: ChangeSet;
  /** Prompts as "name (id)". */
  prompts: ChangeSet;
  favoriteActions: ChangeSet;
  /** Null when the file holds no extension data (then it is left alone). */
  extensionData: ChangeSet | null;
  /** Secret settings a replace keeps because the file was exported without secrets. */
  keptSecrets: string[];
  /** Null when the import leaves the backup schedule and retention as they are. */
  backup: BackupConfigChanges | null;
  /** True when applying would change nothing. */
  noChanges: boolean;
}

export interface DiffOptions<T, C> {
  mode: ImportMode;
  incoming: readonly T[];
  current: readonly C[];
  incomingKey: (t: T) => string;
  currentKey: (c: C) => string;
  equal: (t: T, c: C) => boolean;
  /** How an item is named in the preview; the key by default. */
  label?: (key: string, t?: T, c?: C) => string;
  /** In replace mode, current items to keep although the file lacks them. */
  keep?: (c: C) => boolean;
}

export interface DiffResult {
  set: ChangeSet;
  /** Labels of the items `keep` saved from a replace. */
  kept: string[];
  /** Keys to write: added or changed. */
  touched: Set<string>;
  /** Keys to delete (replace mode only). */
  removed: Set<string>;
}

/** What importing `incoming` over `current` adds, changes and (in replace mode) removes. */
export function diffRecords<T, C>(o: DiffOptions<T, C>): DiffResult {
  const label = o.label ?? ((k: string) => k);
  const byKey = new Map(o.current.map((c) => [o.currentKey(c), c]));
  const incomingKeys = new Set<string>();
  const set: ChangeSet = { added: [], changed: [], removed: [], unchanged: 0 };
  const touched = new Set<string>();
  for (const t of o.incoming) {
    const k = o.incomingKey(t);
    incomingKeys.add(k);
    const c = byKey.get(k);
    if (!c) set.added.push(label(k, t));
    else if (!o.equal(t, c)) set.changed.push(label(k, t, c));
    else {
      set.unchanged++;
      continue;
    }
    touched.add(k);
  }
  const kept: string[] = [];
  const removed = new Set<string>();
  if (o.mode === 'replace') {
    for (const [k, c] of byKey) {
      if (incomingKeys.has(k)) continue;
      if (o.keep?.(c)) kept.push(label(k, undefined, c));
      else {
        set.removed.push(label(k, undefined, c));
        removed.add(k);
      }
    }
  }
  return { set, kept, touched, removed };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export interface ImportPlan {
  preview: SettingsImportPreview;
  keys: { settings: DiffResult; prompts: DiffResult; actions: DiffResult; extensionData: DiffResult | null };
}

/** Compares the file with the database: the preview, and the keys an import writes and deletes. */
export function planSettingsImport(
  db: StrataDatabase,
  file: SettingsFile,
  mode: ImportMode,
  backupContext: BackupContext | null,
): ImportPlan {
  const settings = diffRecords({
    mode,
    incoming: file.settings,
    current: db.settings.list(),
    incomingKey: (s) => s.key,
    currentKey: (c) => c.key,
    equal: (s, c) => s.secret === c.secret && same(s.value, c.value),
    // Without secrets in the file, a replace must not wipe the API keys this machine holds.
    keep: (c) => c.secret && !file.includes_secrets,
  });
  const prompts = diffRecords({
    mode,
    incoming: file.prompts,
    current: db.prompts.list(),
    incomingKey: (p) => p.id,
    currentKey: (c) => c.id,
    equal: (p, c) => p.name === c.name && p.content === c.content && same(p.metadata, c.metadata),
    label: (k, p, c) => `${p?.name ?? c?.name ?? ''} (${k})`,
  });
  const actions = diffRecords({
    mode,
    incoming: file.favorite_actions,
    current: db.favoriteActions.list(),
    incomingKey: (a) => a.id,
    currentKey: (c) => c.id,
    equal: (a, c) =>
      a.label === c.label && a.action === c.action && a.position === c.position && same(a.metadata, c.metadata),
    label: (k, a, c) => `${a?.label ?? c?.label ?? ''} (${k})`,
  });
  const extensionData = file.extension_data
    ? diffRecords({
        mode,
        incoming: file.extension_data,
        current: db.extensionData.list(),
        incomingKey: (e) => e.extension_id,
        currentKey: (c) => c.extensionId,
        equal: (e, c) => e.data_type === c.dataType && same(e.data, c.data),
      })
    : null;
  const ext = extensionData?.set ?? null;
  const sets = [settings.set, prompts.set, actions.set, ...(ext ? [ext] : [])];
  return {
    keys: { settings, prompts, actions, extensionData },
    preview: {
      mode,
      file: {
        exportedAt: file.exported_at,
        appVersion: file.app_version,
        includesSecrets: file.includes_secrets,
        includesExtensionData: file.includes_extension_data,
      },
      settings: settings.set,
      prompts: prompts.set,
      favoriteActions: actions.set,
      extensionData: ext,
      keptSecrets: settings.kept,
      backup: planBackupConfigChange(db, file, settings, backupContext),
      noChanges: sets.every((s) => s.added.length + s.changed.length + s.removed.length === 0),
    },
  };
}
