import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fsyncDirSync } from '../core/atomic-file';
import { StrataError } from '../core/errors';
import {
  REPLACEABLE_KINDS,
  type Backend,
  type BackendDescription,
  type ByteRange,
  type FileInfo,
  type Handle,
  type HandleKind,
  type ListOptions,
  type SaveOptions,
} from '../repository/backend';
import { keyOf, listingPlan, nameOfKey } from './layout';
import { RemoteError } from './remote-error';
import type { RemoteCapabilities } from './remote-env';
import { checkRange } from './replies';

/** The file every mirror folder carries at its root; without it the folder is not "there". */
export const FOLDER_MARKER = 'strata-remote.json';

/** Errors that mean the drive or share went away under us rather than a file being missing. */
const GONE = new Set(['EIO', 'ENODEV', 'ENXIO', 'ESTALE', 'ENOTCONN', 'EHOSTDOWN', 'ENOMEDIUM', 'EREMOTEIO']);

/**
 * A store in a mirror folder: an external drive, or a folder a sync tool (Dropbox, Syncthing,
 * Nextcloud) copies elsewhere. The same layout as the local store. The folder's root must hold
 * `strata-remote.json`: a drive that is unplugged leaves either no root or an empty mount point,
 * and both are `offline`, never an empty store (an empty store would look like every point was
 * lost, and a writer would start filling the mount point on the internal disk).
 *
 * Writes are temp file, fsync, then a hard link to the final name (which fails if the name
 * exists, so immutable files are never replaced) or a rename for replaceable kinds, then an
 * fsync of the folder. Drives without hard links (FAT, exFAT) fall back to look-then-rename.
 */
export class FolderBackend implements Backend {
  readonly description: BackendDescription;
  readonly capabilities: RemoteCapabilities = {
    ifAbsent: 'enforced',
    atomicReplace: true,
    rangeReads: true,
    serverTime: false,
  };
  private constructor(private readonly root: string) {
    this.description = { type: 'folder', root };
  }

  /**
   * Opens a mirror folder. With `create`, an absent or empty folder becomes one (its marker is
   * written); without it, a folder lacking the marker is `offline`.
   */
  static async open(root: string, options: { create?: boolean } = {}): Promise<FolderBackend> {
    const abs = path.resolve(root);
    const b = new FolderBackend(abs);
    if (options.create && !fs.existsSync(path.join(abs, FOLDER_MARKER))) {
      fs.mkdirSync(abs, { recursive: true, mode: 0o700 });
      const entries = fs.readdirSync(abs).filter((n) => !n.startsWith('.'));
      if (entries.length > 0) {
        throw new StrataError(
          'data_folder_not_empty',
          'That folder already holds other files. Pick an empty folder for the off-site copy.',
        );
      }
      const marker = JSON.stringify({ v: 1, kind: 'strata-mirror-folder', createdAt: new Date().toISOString() });
      await b.write(path.join(abs, FOLDER_MARKER), Buffer.from(marker), true);
    }
    await b.present();
    return b;
  }

  replaceable(kind: HandleKind): boolean {
    return REPLACEABLE_KINDS.has(kind);
  }

  async save(h: Handle, data: Uint8Array, options: SaveOptions = {}): Promise<void> {
    const file = this.file(h);
    await this.guard(h, async () => {
      await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      await this.write(file, data, !!options.ifAbsent || !this.replaceable(h.kind));
    });
  }

  async load(h: Handle, range?: ByteRange): Promise<Buffer> {
    if (range) checkRange(range);
    const file = this.file(h);
    return this.guard(h, async () => {
      if (!range) return fs.promises.readFile(file);
      const fh = await fs.promises.open(file, 'r');
      try {
        const size = (await fh.stat()).size;
        if (range.offset > size || (range.offset === size && range.length > 0)) {
          throw new StrataError('invalid_input', `Download of ${keyOf(h)}: the range lies past the end of the file.`);
        }
        const out = Buffer.alloc(Math.min(range.length, size - range.offset));
        let done = 0;
        while (done < out.length) {
          const { bytesRead } = await fh.read(out, done, out.length - done, range.offset + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return out.subarray(0, done);
      } finally {
        await fh.close();
      }
    });
  }

  async stat(h: Handle): Promise<FileInfo | null> {
    const file = this.file(h);
    return this.guard(h, async () => {
      try {
        const st = await fs.promises.stat(file);
        return st.isFile() ? { name: h.name, size: st.size, modifiedAt: st.mtime } : null;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
    });
  }

  async *list(kind: HandleKind, options: ListOptions = {}): AsyncIterable<FileInfo> {
    const plan = listingPlan(kind, options.prefix);
    await this.present();
    const queue: { folder: string; level: number }[] = [{ folder: plan.folder, level: 0 }];
    while (queue.length) {
      const { folder, level } = queue.shift()!;
      let entries: fs.Dirent[];
      try {
        entries = await fs.promises.readdir(path.join(this.root, folder), { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') {
          await this.present();
          continue;
        }
        throw this.mapError(e, `Listing ${folder}`);
      }
      const files: FileInfo[] = [];
      for (const d of entries) {
        // Temp files, hidden files and sync tools' own folders (.stfolder, .dropbox.cache).
        if (d.name.startsWith('.')) continue;
        const key = `${folder}${d.name}`;
        if (d.isDirectory()) {
          const sub = `${key}/`;
          if (level < plan.depth && (sub.startsWith(plan.keyPrefix) || plan.keyPrefix.startsWith(sub))) {
            queue.push({ folder: sub, level: level + 1 });
          }
          continue;
        }
        if (!d.isFile() || !key.startsWith(plan.keyPrefix)) continue;
        const name = nameOfKey(kind, key);
        if (name === null) continue;
        try {
          const st = await fs.promises.stat(path.join(this.root, key));
          files.push({ name, size: st.size, modifiedAt: st.mtime });
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw this.mapError(e, `Listing ${folder}`);
        }
      }
      yield* files;
    }
  }

  async remove(h: Handle): Promise<void> {
    const file = this.file(h);
    await this.guard(h, async () => {
      await fs.promises.rm(file, { force: true });
      fsyncDirSync(path.dirname(file));
    });
  }

  async close(): Promise<void> {
    // Nothing held between calls.
  }

  private file(h: Handle): string {
    return path.join(this.root, ...keyOf(h).split('/'));
  }

  /** Fails with `offline` unless the root and its marker are there. */
  private async present(): Promise<void> {
    try {
      await fs.promises.access(path.join(this.root, FOLDER_MARKER));
    } catch {
      throw new RemoteError(
        'offline',
        `The mirror folder ${this.root} is not there (is the drive plugged in and mounted?).`,
        { retry: 'final' },
      );
    }
  }

  /** Runs a file operation; a missing marker turns any failure into `offline`. */
  private async guard<T>(h: Handle, op: () => Promise<T>): Promise<T> {
    await this.present();
    try {
      return await op();
    } catch (e) {
      if (e instanceof StrataError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        await this.present();
        throw new StrataError('not_found', `${keyOf(h)} is not in the mirror folder.`);
      }
      throw this.mapError(e, keyOf(h));
    }
  }

  private mapError(e: unknown, what: string): Error {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (GONE.has(code)) {
      return new RemoteError('offline', `${what}: the mirror folder went away (${code}).`, { retry: 'final' });
    }
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      return new RemoteError('remote_full', `${what}: the mirror folder's drive is full.`, { retry: 'final' });
    }
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      return new StrataError('permission_denied', `${what}: Strata may not write to the mirror folder (${code}).`);
    }
    return e instanceof Error ? e : new Error(String(e));
  }

  /** Temp file, fsync, then link (only if absent) or rename, then fsync the folder. */
  private async write(file: string, data: Uint8Array, ifAbsent: boolean): Promise<void> {
    const dir = path.dirname(file);
    const temp = path.join(dir, `.${path.basename(file)}.${crypto.randomBytes(6).toString('hex')}.tmp`);
    const fh = await fs.promises.open(temp, 'wx', 0o600);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } catch (e) {
      await fh.close().catch(() => undefined);
      await fs.promises.rm(temp, { force: true });
      throw e;
    }
    await fh.close();
    try {
      if (ifAbsent) await this.linkIfAbsent(temp, file);
      else await fs.promises.rename(temp, file);
    } finally {
      await fs.promises.rm(temp, { force: true });
    }
    fsyncDirSync(dir);
  }

  private async linkIfAbsent(temp: string, file: string): Promise<void> {
    try {
      await fs.promises.link(temp, file);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw alreadyExists(file, this.root);
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
    }
    // No hard links on this drive: look, then rename (a race with another writer of the same
    // content-named file is harmless: both hold the same bytes).
    if (fs.existsSync(file)) throw alreadyExists(file, this.root);
    await fs.promises.rename(temp, file);
  }
}

function alreadyExists(file: string, root: string): StrataError {
  return new StrataError('already_exists', `${path.relative(root, file)} already exists in the mirror folder.`);
}
