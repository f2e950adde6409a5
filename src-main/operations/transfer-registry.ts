import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import { StrataError } from '../core/errors';
import { fsyncDirSync, tempPathFor } from '../core/atomic-file';
import { ensurePrivateDir, makeFilePrivate } from '../core/private-files';
import { transferIdSchema } from '../contract/schemas';

/**
 * Files handed between the renderer and main: exports written for the person to save, and
 * uploads or dialog-picked files waiting to be imported. The renderer only ever holds an
 * opaque id; the path stays here. Ids live in memory, so files left by an earlier run are
 * unreachable and are removed on start.
 */
export interface TransferEntry {
  id: string;
  /** The name a person sees (suggested save name, or the uploaded file's name). */
  fileName: string;
  file: string;
  bytes: number;
  kind: 'export' | 'upload';
  createdAt: number;
}

export interface TransferRegistryOptions {
  now?: () => number;
  /** Entries older than this are removed with their files (exports not saved, uploads not imported). */
  maxAgeMs?: number;
}

/** Keeps the extension (importers may look at it) and drops anything odd. */
function diskSafeName(fileName: string): string {
  const base = path
    .basename(fileName)
    .replace(/[^\w.-]+/g, '_')
    .replace(/^\.+/, '');
  return (base || 'file').slice(-100);
}

export class TransferRegistry {
  private readonly entries = new Map<string, TransferEntry>();
  private readonly now: () => number;
  private readonly maxAgeMs: number;

  private constructor(
    readonly dir: string,
    opts: TransferRegistryOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.maxAgeMs = opts.maxAgeMs ?? 6 * 60 * 60 * 1000;
  }

  /** Creates the folder and clears what an earlier run left behind. */
  static open(dir: string, opts: TransferRegistryOptions = {}): TransferRegistry {
    ensurePrivateDir(dir);
    for (const name of fs.readdirSync(dir)) {
      fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    }
    return new TransferRegistry(dir, opts);
  }

  /** A fresh id and the paths to write a new transfer to (write `temp`, then call `commit`). */
  reserve(fileName: string): { id: string; file: string; temp: string } {
    this.sweep();
    const id = crypto.randomBytes(16).toString('hex');
    const file = path.join(this.dir, `${id}-${diskSafeName(fileName)}`);
    return { id, file, temp: `${file}.partial` };
  }

  /** Registers a file written to `temp` by renaming it into place. */
  commit(
    reserved: { id: string; file: string; temp: string },
    fileName: string,
    kind: TransferEntry['kind'],
  ): TransferEntry {
    // Uploads and exports carry chat content and may carry API keys: owner-only, like the database.
    makeFilePrivate(reserved.temp);
    fs.renameSync(reserved.temp, reserved.file);
    const entry: TransferEntry = {
      id: reserved.id,
      fileName: path.basename(fileName),
      file: reserved.file,
      bytes: fs.statSync(reserved.file).size,
      kind,
      createdAt: this.now(),
    };
    this.entries.set(entry.id, entry);
    return entry;
  }

  /** Writes an export produced by `write(tempPath)` and registers it. */
  async createExport(fileName: string, write: (tempPath: string) => Promise<void>): Promise<TransferEntry> {
    const r = this.reserve(fileName);
    try {
      await write(r.temp);
      return this.commit(r, fileName, 'export');
    } catch (e) {
      fs.rmSync(r.temp, { force: true });
      throw e;
    }
  }

  /** Streams an upload to disk, refusing more than `maxBytes`. */
  async receive(fileName: string, body: Readable, maxBytes: number): Promise<TransferEntry> {
    const r = this.reserve(fileName);
    let seen = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        seen += chunk.length;
        if (seen > maxBytes) {
          cb(new StrataError('too_large', `The file is larger than ${Math.floor(maxBytes / 1024 ** 2)} MiB.`));
        } else cb(null, chunk);
      },
    });
    try {
      await pipeline(body, limit, fs.createWriteStream(r.temp, { flags: 'wx' }));
      return this.commit(r, fileName, 'upload');
    } catch (e) {
      fs.rmSync(r.temp, { force: true });
      throw e;
    }
  }

  /** Keeps bytes the renderer handed over (a dropped file in the desktop app). */
  async storeBytes(fileName: string, bytes: Uint8Array, maxBytes: number): Promise<TransferEntry> {
    if (bytes.byteLength > maxBytes) {
      throw new StrataError('too_large', `The file is larger than ${Math.floor(maxBytes / 1024 ** 2)} MiB.`);
    }
    const r = this.reserve(fileName);
    try {
      await fs.promises.writeFile(r.temp, bytes, { flag: 'wx' });
      return this.commit(r, fileName, 'upload');
    } catch (e) {
      fs.rmSync(r.temp, { force: true });
      throw e;
    }
  }

  /** Copies a file the person picked in a native dialog, so later steps only see our folder. */
  adoptCopy(sourcePath: string, maxBytes: number): Promise<TransferEntry> {
    return this.receive(path.basename(sourcePath), fs.createReadStream(sourcePath), maxBytes);
  }

  /** The entry for an id the renderer sent; anything not handed out by this registry is refused. */
  resolve(transferId: unknown): TransferEntry {
    if (!transferIdSchema.safeParse(transferId).success) {
      throw new StrataError('invalid_input', 'transfer id must be the 32-character id handed out by the app');
    }
    const entry = this.entries.get(transferId as string);
    if (!entry || !fs.existsSync(entry.file)) {
      throw new StrataError('not_found', 'That file is no longer available. Choose or export it again.');
    }
    return entry;
  }

  /** Copies a transfer to where the person chose to save it (temp name, fsync, rename). */
  async saveTo(transferId: string, destination: string): Promise<void> {
    const entry = this.resolve(transferId);
    const temp = tempPathFor(destination);
    try {
      // EXCL: never write through a file or symlink that happens to have the temp name.
      await fs.promises.copyFile(entry.file, temp, fs.constants.COPYFILE_EXCL);
      const fh = await fs.promises.open(temp, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fs.promises.rename(temp, destination);
      try {
        fsyncDirSync(path.dirname(destination));
      } catch {
        // Some file systems refuse a directory fsync; the rename itself already happened.
      }
    } catch (e) {
      await fs.promises.rm(temp, { force: true });
      throw e;
    }
  }

  release(transferId: string): void {
    const entry = this.entries.get(transferId);
    if (!entry) return;
    this.entries.delete(transferId);
    fs.rmSync(entry.file, { force: true });
  }

  /** Removes entries past their age. */
  sweep(): void {
    const cutoff = this.now() - this.maxAgeMs;
    for (const e of [...this.entries.values()]) if (e.createdAt < cutoff) this.release(e.id);
  }

  /** Removes every transfer file (on shutdown). */
  clear(): void {
    for (const id of [...this.entries.keys()]) this.release(id);
  }
}
