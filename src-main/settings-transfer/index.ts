import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { APP_VERSION } from '../core/app-version';
import { writeFileAtomicSync } from '../core/atomic-file';
import { StrataError } from '../core/errors';
import type { StrataDatabase } from '../db/strata-database';

/** Settings file format (docs/settings-format.md). */
export const SETTINGS_FORMAT = 'strata-settings';
export const SETTINGS_VERSION = 1;
export const SETTINGS_LIMITS = {
  fileBytes: 64 * 1024 * 1024,
  entries: 100_000,
  valueChars: 1024 * 1024,
  textChars: 1024 * 1024,
  nameChars: 1_000,
} as const;

export type ImportMode = 'merge' | 'replace';

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

/** Any JSON value, kept exactly as parsed (never copied key by key), with a size cap. */
const jsonValue = z.custom<unknown>((v) => v !== undefined && JSON.stringify(v).length <= SETTINGS_LIMITS.valueChars, {
  message: `must be a JSON value of at most ${SETTINGS_LIMITS.valueChars} characters`,
});
const jsonObject = z.custom<Record<string, unknown>>(
  (v) => isPlainObject(v) && JSON.stringify(v).length <= SETTINGS_LIMITS.valueChars,
  { message: `must be a JSON object of at most ${SETTINGS_LIMITS.valueChars} characters` },
);
const time = z.number().int().min(0).max(8_640_000_000_000_000);
const name = z.string().min(1).max(SETTINGS_LIMITS.nameChars);
const text = z.string().max(SETTINGS_LIMITS.textChars);

const settingSchema = z.strictObject({ key: name, value: jsonValue, secret: z.boolean() });
const promptSchema = z.strictObject({
  id: name,
  name: z.string().max(SETTINGS_LIMITS.nameChars),
  content: text,
  created_at: time,
  updated_at: time,
  metadata: jsonObject,
});
const actionSchema = z.strictObject({
  id: name,
  label: z.string().max(SETTINGS_LIMITS.nameChars),
  action: text,
  position: z.number().int().min(-1e9).max(1e9),
  created_at: time,
  updated_at: time,
  metadata: jsonObject,
});
const extensionSchema = z.strictObject({
  extension_id: name,
  data_type: z.string().max(SETTINGS_LIMITS.nameChars),
  data: jsonValue,
  version: z.number().int().min(1),
  created_at: time,
  updated_at: time,
});

const fileSchema = z.strictObject({
  format: z.literal(SETTINGS_FORMAT),
  version: z.literal(SETTINGS_VERSION),
  exported_at: z.iso.datetime({ offset: true }),
  app_version: z.string().max(100),
  includes_secrets: z.boolean(),
  includes_extension_data: z.boolean(),
  settings: z.array(settingSchema).max(SETTINGS_LIMITS.entries),
  prompts: z.array(promptSchema).max(SETTINGS_LIMITS.entries),
  favorite_actions: z.array(actionSchema).max(SETTINGS_LIMITS.entries),
  extension_data: z.array(extensionSchema).max(SETTINGS_LIMITS.entries).optional(),
});

export type SettingsFile = z.infer<typeof fileSchema>;

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

function invalid(message: string): StrataError {
  return new StrataError('invalid_settings_file', `Not a valid Strata settings file: ${message}. Nothing was changed.`);
}

/** Reads and validates a settings file; every problem is a clear StrataError. */
export function readSettingsFile(inFile: string): SettingsFile {
  let size: number;
  try {
    size = fs.statSync(inFile).size;
  } catch {
    throw new StrataError('not_found', `No file at ${inFile}.`);
  }
  if (size > SETTINGS_LIMITS.fileBytes) {
    throw invalid(`the file is ${size} bytes; the limit is ${SETTINGS_LIMITS.fileBytes}`);
  }
  const bytes = fs.readFileSync(inFile);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw invalid('it is a gzip file (a session archive or full export?); settings files are plain JSON');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw invalid(`it is not JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(raw)) throw invalid('it does not hold a JSON object');
  if (raw.format !== SETTINGS_FORMAT)
    throw invalid(`format is ${JSON.stringify(raw.format)}, not "${SETTINGS_FORMAT}"`);
  if (typeof raw.version === 'number' && raw.version > SETTINGS_VERSION) {
    throw new StrataError(
      'unsupported_version',
      `This settings file uses format version ${raw.version}, newer than this Strata supports (${SETTINGS_VERSION}). ` +
        'Update Strata to import it. Nothing was changed.',
    );
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    throw invalid(
      issue.code === 'unrecognized_keys'
        ? `unexpected key(s) ${issue.keys.join(', ')} at ${where || 'the top level'}`
        : `${where.replace(/^\./, '') || 'file'}: ${issue.message}`,
    );
  }
  const f = parsed.data;
  const dup = (list: string[], what: string) => {
    const seen = new Set<string>();
    for (const k of list) {
      if (seen.has(k)) throw invalid(`${what} ${JSON.stringify(k)} appears twice`);
      seen.add(k);
    }
  };
  dup(
    f.settings.map((s) => s.key),
    'setting',
  );
  dup(
    f.prompts.map((p) => p.id),
    'prompt id',
  );
  dup(
    f.favorite_actions.map((a) => a.id),
    'favorite action id',
  );
  dup(
    (f.extension_data ?? []).map((e) => e.extension_id),
    'extension id',
  );
  if (f.includes_extension_data !== (f.extension_data !== undefined)) {
    throw invalid('includes_extension_data does not match whether extension_data is present');
  }
  if (!f.includes_secrets && f.settings.some((s) => s.secret)) {
    throw invalid('it holds secret settings but says includes_secrets is false');
  }
  return f;
}

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
  /** True when applying would change nothing. */
  noChanges: boolean;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function diff<T, C>(
  incoming: T[],
  current: C[],
  keyOf: { incoming: (t: T) => string; current: (c: C) => string },
  equal: (t: T, c: C) => boolean,
  label: (key: string, t?: T, c?: C) => string,
  mode: ImportMode,
  keep: (c: C) => boolean = () => false,
): { set: ChangeSet; kept: string[]; touched: Set<string>; removed: Set<string> } {
  const byKey = new Map(current.map((c) => [keyOf.current(c), c]));
  const incomingKeys = new Set<string>();
  const set: ChangeSet = { added: [], changed: [], removed: [], unchanged: 0 };
  const touched = new Set<string>();
  for (const t of incoming) {
    const k = keyOf.incoming(t);
    incomingKeys.add(k);
    const c = byKey.get(k);
    if (!c) set.added.push(label(k, t));
    else if (!equal(t, c)) set.changed.push(label(k, t, c));
    else {
      set.unchanged++;
      continue;
    }
    touched.add(k);
  }
  const kept: string[] = [];
  const removed = new Set<string>();
  if (mode === 'replace') {
    for (const [k, c] of byKey) {
      if (incomingKeys.has(k)) continue;
      if (keep(c)) kept.push(label(k, undefined, c));
      else {
        set.removed.push(label(k, undefined, c));
        removed.add(k);
      }
    }
  }
  return { set, kept, touched, removed };
}

type Keys = { touched: Set<string>; removed: Set<string> };

interface Plan {
  preview: SettingsImportPreview;
  keys: { settings: Keys; prompts: Keys; actions: Keys; extensionData: Keys | null };
}

function plan(db: StrataDatabase, file: SettingsFile, mode: ImportMode): Plan {
  const settings = diff(
    file.settings,
    db.settings.list(),
    { incoming: (s) => s.key, current: (c) => c.key },
    (s, c) => s.secret === c.secret && same(s.value, c.value),
    (k) => k,
    mode,
    // Without secrets in the file, a replace must not wipe the API keys this machine holds.
    (c) => c.secret && !file.includes_secrets,
  );
  const prompts = diff(
    file.prompts,
    db.prompts.list(),
    { incoming: (p) => p.id, current: (c) => c.id },
    (p, c) => p.name === c.name && p.content === c.content && same(p.metadata, c.metadata),
    (k, p, c) => `${p?.name ?? c?.name ?? ''} (${k})`,
    mode,
  );
  const actions = diff(
    file.favorite_actions,
    db.favoriteActions.list(),
    { incoming: (a) => a.id, current: (c) => c.id },
    (a, c) => a.label === c.label && a.action === c.action && a.position === c.position && same(a.metadata, c.metadata),
    (k, a, c) => `${a?.label ?? c?.label ?? ''} (${k})`,
    mode,
  );
  const extDiff = file.extension_data
    ? diff(
        file.extension_data,
        db.extensionData.list(),
        { incoming: (e) => e.extension_id, current: (c) => c.extensionId },
        (e, c) => e.data_type === c.dataType && same(e.data, c.data),
        (k) => k,
        mode,
      )
    : null;
  const ext = extDiff?.set ?? null;
  const sets = [settings.set, prompts.set, actions.set, ...(ext ? [ext] : [])];
  return {
    keys: { settings, prompts, actions, extensionData: extDiff },
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
      noChanges: sets.every((s) => s.added.length + s.changed.length + s.removed.length === 0),
    },
  };
}

/** Validates the file and says what an import in `mode` would add, change and remove. Writes nothing. */
export function previewSettingsImport(
  db: StrataDatabase,
  inFile: string,
  opts: { mode?: ImportMode } = {},
): SettingsImportPreview {
  return plan(db, readSettingsFile(inFile), opts.mode ?? 'merge').preview;
}

export interface ImportSettingsOptions {
  mode?: ImportMode;
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
  const file = readSettingsFile(inFile);
  const before = plan(db, file, mode).preview;
  if (before.noChanges) return { ...before, applied: false };
  await opts.beforeImport?.();
  const apply = db.connection.transaction(() => {
    // Planned again inside the transaction: the database may have moved on during beforeImport.
    const { preview, keys } = plan(db, file, mode);
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
