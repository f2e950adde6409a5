import { StrataError } from '../core/errors';
import type { Handle, HandleKind } from './backend';

/**
 * The names each kind of file may have, and where a folder-shaped store (the local store, a
 * mirror folder, an S3 prefix, a WebDAV folder) keeps it. The layout is exactly the one stores
 * have had on disk since the page store began (docs/store-format.md, "Layout"), so no existing
 * store changes by a byte:
 *
 * | kind       | name                         | file                                      |
 * |------------|------------------------------|-------------------------------------------|
 * | pack       | `<id>`                       | `packs/<first 2 chars of id>/<id>.pack`   |
 * | index      | `<id>`                       | `index/<id>.idx`                          |
 * | manifest   | `<id>` or `<device>/<id>`    | `manifests/<name>.json`                   |
 * | dictionary | `<id>`                       | `dictionaries/<id>.dict`                  |
 * | segment    | `<generation>/<file>.seg`    | `continuous/<generation>/<file>.seg`      |
 * | generation | `<generation>`               | `continuous/<generation>/generation.json` |
 * | lock       | `<name>`                     | `locks/<name>.lock`                       |
 * | key        | `<id>`                       | `keys/<id>.json`                          |
 * | config     | `<name>` (today `config`)    | `<name>.json`                             |
 * | device     | `<id>`                       | `devices/<id>.json`                       |
 * | state      | `<name>.<ext>`               | `continuous/<name>.<ext>` (this disk only) |
 *
 * A name is one or two parts of `[0-9A-Za-z._-]`, 1 to 200 characters each, never starting with
 * `.` (hidden names are writes in progress) and never holding `..`. A generation's name (and a
 * segment's first part) has no `.` and a state name has one, so a state file and a generation
 * folder side by side in `continuous/` can never be confused.
 */
const PART = /^[0-9A-Za-z_-][0-9A-Za-z._-]{0,199}$/;
const GENERATION_PART = /^[0-9A-Za-z_-]{1,200}$/;

export interface KindLayout {
  /** Folder under the store root holding this kind ('' for the root itself). */
  folder: string;
  /** Added to the name to make the file name. */
  suffix: string;
}

export const LAYOUT: Record<HandleKind, KindLayout> = {
  pack: { folder: 'packs', suffix: '.pack' },
  index: { folder: 'index', suffix: '.idx' },
  manifest: { folder: 'manifests', suffix: '.json' },
  dictionary: { folder: 'dictionaries', suffix: '.dict' },
  segment: { folder: 'continuous', suffix: '' },
  generation: { folder: 'continuous', suffix: '/generation.json' },
  lock: { folder: 'locks', suffix: '.lock' },
  key: { folder: 'keys', suffix: '.json' },
  config: { folder: '', suffix: '.json' },
  device: { folder: 'devices', suffix: '.json' },
  state: { folder: 'continuous', suffix: '' },
};

function partOk(part: string): boolean {
  return PART.test(part) && !part.includes('..');
}

/** Why `name` is not a valid name of `kind`, or null when it is. */
export function nameProblem(kind: HandleKind, name: string): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'the name is empty';
  if (name.includes('\0') || name.includes('\\')) return 'the name holds a NUL or a backslash';
  const parts = name.split('/');
  if (parts.length > 2) return 'the name holds more than one /';
  if (!parts.every(partOk))
    return 'a part of the name is empty, hidden, holds .. or a character outside [0-9A-Za-z._-]';
  const [first, second] = parts as [string, string | undefined];
  switch (kind) {
    case 'manifest':
      return null;
    case 'segment':
      if (second === undefined || !GENERATION_PART.test(first) || !second.endsWith('.seg'))
        return 'a segment is named <generation>/<file>.seg';
      return null;
    default:
      if (second !== undefined) return `a ${kind} name holds no /`;
  }
  if (kind === 'pack' && first.length < 2) return 'a pack name has at least 2 characters';
  if (kind === 'generation' && !GENERATION_PART.test(first)) return 'a generation name holds no .';
  if (kind === 'state' && (!first.includes('.') || first.endsWith('.seg')))
    return 'a state name has an extension other than .seg';
  return null;
}

/** Throws `invalid_input` for a handle whose name breaks its kind's rules. */
export function checkHandle(h: Handle): void {
  if (!(h.kind in LAYOUT)) throw new StrataError('invalid_input', `Unknown kind of file: ${String(h.kind)}`);
  const problem = nameProblem(h.kind, h.name);
  if (problem) throw new StrataError('invalid_input', `Invalid ${h.kind} name ${JSON.stringify(h.name)}: ${problem}.`);
}

/** The file's path relative to the store root, with `/` between folders. */
export function relativePathOf(h: Handle): string {
  checkHandle(h);
  const { folder, suffix } = LAYOUT[h.kind];
  const file = `${h.name}${suffix}`;
  if (h.kind === 'pack') return `${folder}/${h.name.slice(0, 2)}/${file}`;
  return folder ? `${folder}/${file}` : file;
}

/** Names found in a listing that are not this kind's (temp files, foreign files) are skipped. */
export function isValidName(kind: HandleKind, name: string): boolean {
  return nameProblem(kind, name) === null;
}

/** Temp files are hidden and end in .tmp, so every listing can skip them. */
export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}
