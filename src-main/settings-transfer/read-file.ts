import fs from 'node:fs';
import { StrataError } from '../core/errors';
import { jsonNestingDepth, MAX_JSON_DEPTH } from '../archives/json-scan';
import {
  invalidSettingsFile as invalid,
  isPlainObject,
  SETTINGS_FORMAT,
  SETTINGS_LIMITS,
  SETTINGS_VERSION,
  settingsFileSchema,
  type SettingsFile,
} from './format';

function refuseDuplicates(list: string[], what: string): void {
  const seen = new Set<string>();
  for (const k of list) {
    if (seen.has(k)) throw invalid(`${what} ${JSON.stringify(k)} appears twice`);
    seen.add(k);
  }
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
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    // Checked before parsing: the validators below recurse, and would overflow the stack.
    if (jsonNestingDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
      throw invalid(`it is nested more than ${MAX_JSON_DEPTH} levels deep`);
    }
    raw = JSON.parse(text);
  } catch (e) {
    if (e instanceof StrataError) throw e;
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
  const parsed = settingsFileSchema.safeParse(raw);
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
  refuseDuplicates(
    f.settings.map((s) => s.key),
    'setting',
  );
  refuseDuplicates(
    f.prompts.map((p) => p.id),
    'prompt id',
  );
  refuseDuplicates(
    f.favorite_actions.map((a) => a.id),
    'favorite action id',
  );
  refuseDuplicates(
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
