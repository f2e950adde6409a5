import { StrataError } from '../core/errors';
import type { Handle, HandleKind } from '../repository/backend';

/**
 * Where each kind of file lives inside a store: one layout for the local store, a mirror folder,
 * an S3 prefix and a WebDAV collection, so a remote folder is a plain copy of a local store and
 * `scripts/recover.mjs` reads either. Keys are relative, `/`-separated paths.
 *
 * Names with a `/` are device- or generation-namespaced (`<deviceId>/<pointId>` for a remote
 * manifest, `<generation>/<first>-<last>` for a segment): the part before the `/` becomes a
 * folder, so listing one device's or one generation's files is one prefix listing on S3 and one
 * folder listing on WebDAV.
 */
interface KindLayout {
  folder: string;
  /** Appended to the name; '' for none. */
  ext: string;
  /** Most `/` a name of this kind may hold. */
  depth: number;
  /** Packs fan out by their id's first two characters (`packs/ab/ab….pack`). */
  fanout?: boolean;
  /** A generation is the folder; its file is this fixed name inside it. */
  fileInFolder?: string;
}

const LAYOUT: Record<HandleKind, KindLayout> = {
  pack: { folder: 'packs', ext: '.pack', depth: 0, fanout: true },
  index: { folder: 'index', ext: '.idx', depth: 0 },
  manifest: { folder: 'manifests', ext: '.json', depth: 1 },
  dictionary: { folder: 'dictionaries', ext: '.dict', depth: 0 },
  // continuous/<generation>/<first>-<last>.seg, or with a device: <device>/<generation>/…
  segment: { folder: 'continuous', ext: '.seg', depth: 2 },
  generation: { folder: 'continuous', ext: '', depth: 1, fileInFolder: 'generation.json' },
  lock: { folder: 'locks', ext: '.lock', depth: 0 },
  key: { folder: 'keys', ext: '.key', depth: 0 },
  config: { folder: 'config', ext: '.json', depth: 0 },
  device: { folder: 'devices', ext: '.json', depth: 0 },
  state: { folder: 'state', ext: '.json', depth: 1 },
};

const PART = /^[0-9A-Za-z_-][0-9A-Za-z._-]{0,199}$/;

/**
 * Copies that sync tools make when two machines changed one file: Syncthing's
 * `name.sync-conflict-20261201-120000-ABCDEFG.ext` fits the name rules, so it is refused by
 * pattern; Dropbox's and Nextcloud's `name (conflicted copy …).ext` hold spaces and never fit.
 */
const CONFLICT_COPY = /\.sync-conflict-|conflicted copy/i;

/** Checks a handle's name against `backend.ts`'s rules; a bad one is a caller's bug or hostile. */
export function checkName(kind: HandleKind, name: string): void {
  const parts = name.split('/');
  const ok =
    parts.length - 1 <= LAYOUT[kind].depth &&
    parts.every((p) => PART.test(p) && !p.includes('..') && !p.endsWith('.tmp')) &&
    !CONFLICT_COPY.test(name) &&
    (!LAYOUT[kind].fanout || name.length >= 2);
  if (!ok) throw new StrataError('invalid_id', `Not a valid name for a ${kind} file: ${JSON.stringify(name)}.`);
}

/** The relative key of a handle, e.g. `packs/ab/ab12….pack`. */
export function keyOf(h: Handle): string {
  checkName(h.kind, h.name);
  const l = LAYOUT[h.kind];
  if (l.fileInFolder) return `${l.folder}/${h.name}/${l.fileInFolder}`;
  if (l.fanout) return `${l.folder}/${h.name.slice(0, 2)}/${h.name}${l.ext}`;
  return `${l.folder}/${h.name}${l.ext}`;
}

/** The handle's name for a relative key of that kind, or null when the key is not one. */
export function nameOfKey(kind: HandleKind, key: string): string | null {
  const l = LAYOUT[kind];
  const head = `${l.folder}/`;
  if (!key.startsWith(head)) return null;
  let rest = key.slice(head.length);
  if (l.fileInFolder) {
    const tail = `/${l.fileInFolder}`;
    if (!rest.endsWith(tail)) return null;
    rest = rest.slice(0, -tail.length);
  } else {
    if (!rest.endsWith(l.ext)) return null;
    rest = rest.slice(0, rest.length - l.ext.length);
    if (l.fanout) {
      const slash = rest.indexOf('/');
      if (slash !== 2 || !rest.slice(3).startsWith(rest.slice(0, 2))) return null;
      rest = rest.slice(3);
    }
  }
  try {
    checkName(kind, rest);
  } catch {
    return null;
  }
  // Ignore names that belong to another kind sharing the folder (a segment is not a generation).
  return keyOf({ kind, name: rest }) === key ? rest : null;
}

/**
 * Where to start listing a kind, given a name prefix: the deepest folder the prefix fixes (so a
 * device's manifests are one folder), the key prefix every match starts with, and how many
 * folder levels below the start a match can lie.
 */
export function listingPlan(kind: HandleKind, prefix = ''): { folder: string; keyPrefix: string; depth: number } {
  const l = LAYOUT[kind];
  if (prefix.includes('..') || prefix.startsWith('.') || !/^[0-9A-Za-z._/-]*$/.test(prefix)) {
    throw new StrataError('invalid_id', `Not a valid name prefix: ${JSON.stringify(prefix)}.`);
  }
  if (l.fanout) {
    if (prefix.length >= 2) {
      const folder = `${l.folder}/${prefix.slice(0, 2)}/`;
      return { folder, keyPrefix: folder + prefix, depth: 0 };
    }
    return { folder: `${l.folder}/`, keyPrefix: `${l.folder}/${prefix}`, depth: 1 };
  }
  const slash = prefix.lastIndexOf('/');
  const fixed = prefix.slice(0, slash + 1);
  const levelsFixed = fixed === '' ? 0 : fixed.split('/').length - 1;
  const extra = l.fileInFolder ? 1 : 0;
  return {
    folder: `${l.folder}/${fixed}`,
    keyPrefix: `${l.folder}/${prefix}`,
    depth: Math.max(0, l.depth - levelsFixed) + extra,
  };
}
