import { StrataError } from '../core/errors';
import type { Handle, HandleKind } from '../repository/backend';
import { LAYOUT, relativePathOf } from '../repository/handle-names';
import { nameOfFile } from '../repository/local-listing';

/**
 * A remote store keeps the local store's layout exactly (`repository/handle-names.ts`), as
 * keys under an S3 prefix or paths under a WebDAV collection, so a remote folder is a plain copy
 * of a local store and `scripts/recover.mjs` reads either. What this file adds is how to list a
 * kind on storage that lists by key prefix or one folder at a time: from the deepest folder the
 * name prefix fixes, so one device's manifests (`manifests/<device>/`) or one generation's
 * segments (`continuous/<generation>/`) are one S3 prefix listing or one PROPFIND.
 */

/**
 * Copies that sync tools and sync clients make when two machines changed one file. Syncthing's
 * `name.sync-conflict-20261201-120000-ABCDEFG.ext` fits the name rules, so it is refused here by
 * pattern; Dropbox's and Nextcloud's `name (conflicted copy …).ext` hold spaces and never fit.
 */
const CONFLICT_COPY = /\.sync-conflict-|conflicted copy/i;

export function isConflictCopy(name: string): boolean {
  return CONFLICT_COPY.test(name);
}

/** The relative key of a handle (`packs/ab/ab12….pack`); `invalid_input` for a bad name. */
export function keyOf(h: Handle): string {
  return relativePathOf(h);
}

/** The name of `kind` that a relative key holds, or null when it holds none (or a conflict copy). */
export function nameOfKey(kind: HandleKind, key: string): string | null {
  const folder = LAYOUT[kind].folder;
  let rest = key;
  if (folder) {
    if (!key.startsWith(`${folder}/`)) return null;
    rest = key.slice(folder.length + 1);
  }
  const parts = rest.split('/');
  let name: string | null = null;
  if (kind === 'generation') {
    name = parts.length === 2 ? nameOfFile(kind, parts[0]!, parts[1]!) : null;
  } else if (parts.length === 1) name = nameOfFile(kind, null, parts[0]!);
  else if (parts.length === 2) name = nameOfFile(kind, parts[0]!, parts[1]!);
  return name !== null && !isConflictCopy(name) ? name : null;
}

export interface ListingPlan {
  /** The folder to start from, relative to the store, '' or ending in `/`. */
  folder: string;
  /** Every matching key starts with this. */
  keyPrefix: string;
  /** How many folder levels below `folder` a matching file can lie (0: directly in it). */
  depth: number;
}

/** Where and how deep to list `kind` for names starting with `prefix`. */
export function listingPlan(kind: HandleKind, prefix = ''): ListingPlan {
  if (!/^[0-9A-Za-z._/-]*$/.test(prefix) || prefix.includes('..') || prefix.startsWith('.') || prefix.startsWith('/')) {
    throw new StrataError('invalid_input', `Not a valid name prefix: ${JSON.stringify(prefix)}.`);
  }
  const folder = LAYOUT[kind].folder ? `${LAYOUT[kind].folder}/` : '';
  switch (kind) {
    case 'pack':
      if (prefix.length >= 2)
        return {
          folder: `${folder}${prefix.slice(0, 2)}/`,
          keyPrefix: `${folder}${prefix.slice(0, 2)}/${prefix}`,
          depth: 0,
        };
      return { folder, keyPrefix: `${folder}${prefix}`, depth: 1 };
    case 'manifest':
    case 'segment': {
      const slash = prefix.indexOf('/');
      if (slash >= 0)
        return { folder: `${folder}${prefix.slice(0, slash + 1)}`, keyPrefix: `${folder}${prefix}`, depth: 0 };
      return { folder, keyPrefix: `${folder}${prefix}`, depth: 1 };
    }
    case 'generation':
      return { folder, keyPrefix: `${folder}${prefix}`, depth: 1 };
    default:
      return { folder, keyPrefix: `${folder}${prefix}`, depth: 0 };
  }
}
