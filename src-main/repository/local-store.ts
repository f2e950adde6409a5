import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '../core/errors';
import {
  REPLACEABLE_KINDS,
  type ByteRange,
  type FileInfo,
  type Handle,
  type HandleKind,
  type ListOptions,
  type SaveOptions,
} from './backend';
import { DurableFile } from './durable-file';
import { ensureDirSync, fsyncDirSync, readFully, removeStaleTempFiles, writeFileAtomicSync } from './durable-write';
import { checkHandle, isValidName, LAYOUT, relativePathOf } from './handle-names';
import { folderOf, listSync } from './local-listing';

/** An open file of the store, read at positions (a pack's trailer, an object's window). */
export interface ReadHandle {
  readonly size: number;
  /** At most `length` bytes at `position`; fewer only when the file ends first. */
  read(length: number, position: number): Buffer;
  close(): void;
}

/** A file of the store being written in pieces; nothing exists under its name until `commit`. */
export interface PendingFile {
  readonly size: number;
  write(data: Uint8Array, position?: number): void;
  /** fsync and put in place under `name`; `already_exists` for an immutable name that exists. */
  commit(name: string): void;
  abandon(): void;
}

function notFound(h: Handle): StrataError {
  return new StrataError('not_found', `No ${h.kind} ${h.name} in the store.`);
}

/**
 * The store on this disk, spoken to synchronously: the page-store engine and continuous
 * protection run in worker threads (or in small steps) and read packs at positions, so they keep
 * blocking I/O. The async `LocalBackend` is the same store behind the `Backend` interface; both
 * go through `handle-names.ts` for paths and `durable-write.ts` for every write.
 */
export class LocalStore {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** Where a handle's file is on disk (for messages, and for tools that need a path). */
  pathOf(h: Handle): string {
    return path.join(this.root, ...relativePathOf(h).split('/'));
  }

  /** The folders of these kinds, created owner-only when missing. */
  ensureFolders(kinds: readonly HandleKind[]): void {
    ensureDirSync(this.root);
    for (const k of kinds) ensureDirSync(folderOf(this.root, k));
  }

  /** Atomic and durable; an immutable kind (or `ifAbsent`) is never saved over an existing name. */
  save(h: Handle, data: Uint8Array | readonly Uint8Array[], opts: SaveOptions = {}): void {
    writeFileAtomicSync(this.pathOf(h), data, { noReplace: opts.ifAbsent || !REPLACEABLE_KINDS.has(h.kind) });
  }

  /**
   * Saves a file whose name is the hash of its content: one already there holds the same bytes,
   * so finding it is success. Returns whether this call wrote it.
   */
  saveContentNamed(h: Handle, data: Uint8Array | readonly Uint8Array[]): boolean {
    try {
      this.save(h, data, { ifAbsent: true });
      return true;
    } catch (e) {
      if ((e as StrataError).code === 'already_exists') return false;
      throw e;
    }
  }

  load(h: Handle, range?: ByteRange): Buffer {
    const file = this.pathOf(h);
    if (!range) {
      try {
        return fs.readFileSync(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(h);
        throw e;
      }
    }
    const r = this.openRead(h);
    try {
      return r.read(range.length, range.offset);
    } finally {
      r.close();
    }
  }

  /** The whole file, or null when it does not exist. */
  loadIfExists(h: Handle): Buffer | null {
    try {
      return this.load(h);
    } catch (e) {
      if ((e as StrataError).code === 'not_found') return null;
      throw e;
    }
  }

  stat(h: Handle): FileInfo | null {
    try {
      const st = fs.statSync(this.pathOf(h));
      return st.isFile() ? { name: h.name, size: st.size, modifiedAt: st.mtime } : null;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR')
        return null;
      throw e;
    }
  }

  list(kind: HandleKind, opts: ListOptions = {}): FileInfo[] {
    return listSync(this.root, kind, opts);
  }

  /** The names of a kind, sorted. */
  names(kind: HandleKind, opts: ListOptions = {}): string[] {
    return this.list(kind, opts)
      .map((f) => f.name)
      .sort();
  }

  /** Removes a file; a missing one is not an error. */
  remove(h: Handle): void {
    fs.rmSync(this.pathOf(h), { force: true });
  }

  /** Opens a file for reads at positions; `not_found` when it does not exist. */
  openRead(h: Handle): ReadHandle {
    let fd: number;
    try {
      fd = fs.openSync(this.pathOf(h), 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(h);
      throw e;
    }
    let size: number;
    try {
      size = fs.fstatSync(fd).size;
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
    let open = true;
    return {
      size,
      read: (length, position) => readFully(fd, Math.max(0, Math.min(length, size - position)), position),
      close: () => {
        if (!open) return;
        open = false;
        fs.closeSync(fd);
      },
    };
  }

  /** A new file of `kind`, written in pieces under a temp name in that kind's folder. */
  create(kind: HandleKind): PendingFile {
    const file = DurableFile.beside(path.join(folderOf(this.root, kind), kind));
    return {
      get size() {
        return file.size;
      },
      write: (data, position) => file.write(data, position),
      commit: (name) => {
        const h = { kind, name };
        checkHandle(h);
        file.commit(this.pathOf(h), { noReplace: !REPLACEABLE_KINDS.has(kind) });
      },
      abandon: () => file.abandon(),
    };
  }

  /** Removes temp files a crash left in this kind's folders once older than `olderThanMs`. */
  removeStaleTemps(kind: HandleKind, olderThanMs: number, now = Date.now()): number {
    const top = folderOf(this.root, kind);
    let n = removeStaleTempFiles(top, olderThanMs, now);
    if (kind === 'pack' || kind === 'segment' || kind === 'manifest') {
      let subs: fs.Dirent[] = [];
      try {
        subs = fs.readdirSync(top, { withFileTypes: true });
      } catch {
        return n;
      }
      for (const d of subs)
        if (d.isDirectory() && !d.name.startsWith('.'))
          n += removeStaleTempFiles(path.join(top, d.name), olderThanMs, now);
    }
    return n;
  }

  /**
   * Removes a generation with its segments: the folder is renamed aside in one step (so no
   * listing sees half a generation), then deleted. A crash in between leaves a hidden
   * `.<generation>.drop.tmp` folder that `removeStaleTemps('generation', 0)` finishes.
   */
  removeGeneration(name: string): void {
    const h: Handle = { kind: 'generation', name };
    checkHandle(h);
    const top = folderOf(this.root, 'generation');
    const aside = path.join(top, `.${name}.drop.tmp`);
    try {
      fs.renameSync(path.join(top, name), aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    fsyncDirSync(top);
    fs.rmSync(aside, { recursive: true, force: true });
  }

  /** Whether a kind's name is valid here (for callers that filter their own ids). */
  static validName(kind: HandleKind, name: string): boolean {
    return isValidName(kind, name);
  }

  /** The folder a kind lives in, relative to the root ('' for the root). */
  static folderName(kind: HandleKind): string {
    return LAYOUT[kind].folder;
  }
}
