import fs from 'node:fs';
import path from 'node:path';
import type { FileInfo, HandleKind, ListOptions } from './backend';
import { isValidName, LAYOUT } from './handle-names';

/**
 * Listing a kind in a folder-shaped store: which files under its folder are names of that kind.
 * One walk in two forms (blocking for the engine's threads, async for the main thread), both
 * driven by the same rules, so the sync and async listings can never disagree.
 */

/** Where a kind's files can be: directly in its folder, in sub-folders of it, or both. */
const DEPTHS: Record<HandleKind, { top: boolean; sub: boolean }> = {
  pack: { top: false, sub: true },
  index: { top: true, sub: false },
  manifest: { top: true, sub: true },
  dictionary: { top: true, sub: false },
  segment: { top: false, sub: true },
  generation: { top: false, sub: true },
  lock: { top: true, sub: false },
  key: { top: true, sub: false },
  config: { top: true, sub: false },
  device: { top: true, sub: false },
  state: { top: true, sub: false },
};

/** The name of `kind` that file `sub/file` (or `file` when `sub` is null) holds, or null. */
export function nameOfFile(kind: HandleKind, sub: string | null, file: string): string | null {
  const { suffix } = LAYOUT[kind];
  let name: string | null;
  if (kind === 'generation') name = sub !== null && file === 'generation.json' ? sub : null;
  else if (kind === 'segment') name = sub !== null && file.endsWith('.seg') ? `${sub}/${file}` : null;
  else if (kind === 'state') name = sub === null ? file : null;
  else if (!file.endsWith(suffix)) name = null;
  else {
    const base = file.slice(0, file.length - suffix.length);
    if (kind === 'pack') name = sub !== null && sub.length === 2 && base.startsWith(sub) ? base : null;
    else name = sub === null ? base : `${sub}/${base}`;
  }
  return name !== null && isValidName(kind, name) ? name : null;
}

/** The sub-folders worth reading for `prefix` (all of them when the prefix does not decide). */
function subFolderFilter(kind: HandleKind, prefix: string): ((sub: string) => boolean) | null {
  if (!prefix) return null;
  if (kind === 'pack') return prefix.length >= 2 ? (s) => s === prefix.slice(0, 2) : (s) => s.startsWith(prefix);
  const slash = prefix.indexOf('/');
  if (slash >= 0) return (s) => s === prefix.slice(0, slash);
  return (s) => s.startsWith(prefix);
}

interface Candidate {
  name: string;
  file: string;
}

function candidatesIn(
  kind: HandleKind,
  dir: string,
  sub: string | null,
  entries: fs.Dirent[],
  prefix: string,
): { files: Candidate[]; subs: string[] } {
  const files: Candidate[] = [];
  const subs: string[] = [];
  const depth = DEPTHS[kind];
  const wantSub = sub === null ? subFolderFilter(kind, prefix) : null;
  for (const e of entries) {
    if (e.name.startsWith('.')) continue; // writes in progress, leftovers of a crash
    if (e.isDirectory()) {
      if (sub === null && depth.sub && (!wantSub || wantSub(e.name))) subs.push(e.name);
      continue;
    }
    if (sub === null && !depth.top) continue;
    const name = nameOfFile(kind, sub, e.name);
    if (name !== null && name.startsWith(prefix)) files.push({ name, file: path.join(dir, e.name) });
  }
  return { files, subs };
}

function infoOf(name: string, st: fs.Stats): FileInfo {
  return { name, size: st.size, modifiedAt: st.mtime };
}

export function folderOf(root: string, kind: HandleKind): string {
  return path.join(root, LAYOUT[kind].folder);
}

/** Every file of `kind` under `root` (blocking). */
export function listSync(root: string, kind: HandleKind, opts: ListOptions = {}): FileInfo[] {
  const prefix = opts.prefix ?? '';
  const top = folderOf(root, kind);
  const out: FileInfo[] = [];
  const readDir = (dir: string, sub: string | null) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw e;
    }
    const { files, subs } = candidatesIn(kind, dir, sub, entries, prefix);
    for (const c of files) {
      try {
        out.push(infoOf(c.name, fs.statSync(c.file)));
      } catch {
        // removed between the listing and the stat
      }
    }
    for (const s of subs) {
      if (kind === 'generation') {
        try {
          const st = fs.statSync(path.join(dir, s, 'generation.json'));
          if (isValidName(kind, s) && s.startsWith(prefix)) out.push(infoOf(s, st));
        } catch {
          // a folder without its metadata (yet) is not a generation
        }
      } else readDir(path.join(dir, s), s);
    }
  };
  readDir(top, null);
  return out;
}

/** Every file of `kind` under `root`, one folder at a time (for the async Backend). */
export async function* listAsync(root: string, kind: HandleKind, opts: ListOptions = {}): AsyncIterable<FileInfo> {
  const prefix = opts.prefix ?? '';
  const pending: { dir: string; sub: string | null }[] = [{ dir: folderOf(root, kind), sub: null }];
  while (pending.length) {
    const { dir, sub } = pending.shift()!;
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') continue;
      throw e;
    }
    const { files, subs } = candidatesIn(kind, dir, sub, entries, prefix);
    for (const c of files) {
      const st = await fs.promises.stat(c.file).catch(() => null);
      if (st) yield infoOf(c.name, st);
    }
    for (const s of subs) {
      if (kind === 'generation') {
        const st = await fs.promises.stat(path.join(dir, s, 'generation.json')).catch(() => null);
        if (st && isValidName(kind, s) && s.startsWith(prefix)) yield infoOf(s, st);
      } else pending.push({ dir: path.join(dir, s), sub: s });
    }
  }
}
