import { z } from 'zod';
import { StrataError } from '../core/errors';

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

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

export function invalidSettingsFile(message: string): StrataError {
  return new StrataError('invalid_settings_file', `Not a valid Strata settings file: ${message}. Nothing was changed.`);
}

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

export const settingsFileSchema = z.strictObject({
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

export type SettingsFile = z.infer<typeof settingsFileSchema>;
