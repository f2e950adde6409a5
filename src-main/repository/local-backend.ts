import fs from 'node:fs';
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
} from './backend';
import { writeFileAtomic } from './durable-write';
import { listAsync } from './local-listing';
import { LocalStore } from './local-store';

/**
 * A store in a folder on this disk (`<data>/backups/store/`), behind the `Backend` interface:
 * what an uploader reads from and a restore on a new machine writes to. `sync` is the same store
 * spoken to synchronously, for the engine's worker threads. Saves link their temp file into
 * place, so "only if absent" is atomic here (`honoursIfAbsent`).
 */
export class LocalBackend implements Backend {
  readonly honoursIfAbsent = true;
  readonly sync: LocalStore;
  readonly description: BackendDescription;

  constructor(root: string) {
    this.sync = new LocalStore(root);
    this.description = { type: 'local', root: this.sync.root };
  }

  replaceable(kind: HandleKind): boolean {
    return REPLACEABLE_KINDS.has(kind);
  }

  async save(h: Handle, data: Uint8Array, options: SaveOptions = {}): Promise<void> {
    await writeFileAtomic(this.sync.pathOf(h), data, { noReplace: options.ifAbsent || !this.replaceable(h.kind) });
  }

  async load(h: Handle, range?: ByteRange): Promise<Buffer> {
    const file = this.sync.pathOf(h);
    let fh: fs.promises.FileHandle;
    try {
      fh = await fs.promises.open(file, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        throw new StrataError('not_found', `No ${h.kind} ${h.name} in the store.`);
      throw e;
    }
    try {
      if (!range) return await fh.readFile();
      const size = (await fh.stat()).size;
      const length = Math.max(0, Math.min(range.length, size - range.offset));
      const buf = Buffer.alloc(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(buf, done, length - done, range.offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done === length ? buf : buf.subarray(0, done);
    } finally {
      await fh.close();
    }
  }

  async stat(h: Handle): Promise<FileInfo | null> {
    try {
      const st = await fs.promises.stat(this.sync.pathOf(h));
      return st.isFile() ? { name: h.name, size: st.size, modifiedAt: st.mtime } : null;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw e;
    }
  }

  list(kind: HandleKind, options: ListOptions = {}): AsyncIterable<FileInfo> {
    return listAsync(this.sync.root, kind, options);
  }

  async remove(h: Handle): Promise<void> {
    await fs.promises.rm(this.sync.pathOf(h), { force: true });
  }

  async close(): Promise<void> {
    // Nothing is held between calls.
  }
}
