import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '../core/errors';
import type {
  Backend,
  BackendDescription,
  ByteRange,
  FileInfo,
  Handle,
  HandleKind,
  ListOptions,
  SaveOptions,
} from '../repository/backend';
import { writeFileAtomic } from '../repository/durable-write';
import { LocalBackend } from '../repository/local-backend';
import { isConflictCopy, keyOf } from './layout';
import { RemoteError } from './remote-error';
import type { RemoteCapabilities } from './remote-env';

/**
 * The file every mirror folder carries at its root; without it the folder is not "there". Its
 * name ends in no kind's suffix, so no listing ever takes it for a store file.
 */
export const FOLDER_MARKER = 'strata-mirror.marker';

/** Errors that mean the drive or share went away under us rather than a file being missing. */
const GONE = new Set(['EIO', 'ENODEV', 'ENXIO', 'ESTALE', 'ENOTCONN', 'EHOSTDOWN', 'ENOMEDIUM', 'EREMOTEIO']);

/**
 * A store in a mirror folder: an external drive, or a folder a sync tool (Dropbox, Syncthing,
 * Nextcloud) copies elsewhere. The local store's own backend (durable writes, link-if-absent,
 * the same layout and listing) with what a folder that comes and goes needs on top:
 * - the folder's root must hold `strata-mirror.marker`: an unplugged drive leaves either no root
 *   or an empty mount point, and both are `offline`, never an empty store (an empty store would
 *   look like every point was lost, and a writer would start filling the mount point on the
 *   internal disk);
 * - sync tools' conflict copies are never listed;
 * - a drive that fails mid-way (EIO, ENODEV, a stale network share) is `offline`, a full one
 *   `remote_full`.
 */
export class FolderBackend implements Backend {
  readonly description: BackendDescription;
  readonly honoursIfAbsent = true;
  readonly capabilities: RemoteCapabilities = { atomicReplace: true, rangeReads: true, serverTime: false };
  private readonly local: LocalBackend;

  private constructor(private readonly root: string) {
    this.local = new LocalBackend(root);
    this.description = { type: 'folder', root };
  }

  /**
   * Opens a mirror folder. With `create`, an absent or empty folder becomes one (its marker is
   * written); a folder holding other files is refused. Without `create`, a folder lacking the
   * marker is `offline`.
   */
  static async open(root: string, options: { create?: boolean } = {}): Promise<FolderBackend> {
    const abs = path.resolve(root);
    const marker = path.join(abs, FOLDER_MARKER);
    if (options.create && !fs.existsSync(marker)) {
      fs.mkdirSync(abs, { recursive: true, mode: 0o700 });
      if (fs.readdirSync(abs).some((n) => !n.startsWith('.'))) {
        throw new StrataError(
          'data_folder_not_empty',
          'That folder already holds other files. Pick an empty folder for the off-site copy.',
        );
      }
      const text = JSON.stringify({ v: 1, kind: 'strata-mirror-folder', createdAt: new Date().toISOString() });
      await writeFileAtomic(marker, Buffer.from(text), { noReplace: true });
    }
    const b = new FolderBackend(abs);
    await b.present();
    return b;
  }

  replaceable(kind: HandleKind): boolean {
    return this.local.replaceable(kind);
  }

  save(h: Handle, data: Uint8Array, options?: SaveOptions): Promise<void> {
    return this.guard(h, () => this.local.save(h, data, options));
  }

  load(h: Handle, range?: ByteRange): Promise<Buffer> {
    return this.guard(h, () => this.local.load(h, range));
  }

  stat(h: Handle): Promise<FileInfo | null> {
    return this.guard(h, () => this.local.stat(h));
  }

  remove(h: Handle): Promise<void> {
    return this.guard(h, () => this.local.remove(h));
  }

  async *list(kind: HandleKind, options?: ListOptions): AsyncIterable<FileInfo> {
    await this.present();
    try {
      for await (const f of this.local.list(kind, options)) if (!isConflictCopy(f.name)) yield f;
    } catch (e) {
      throw await this.mapError(e, `Listing ${kind}`);
    }
    // A folder that vanished mid-listing listed as empty; say offline instead.
    await this.present();
  }

  async close(): Promise<void> {
    await this.local.close();
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

  /** Runs a file operation when the folder is there; a failure is mapped for a drive. */
  private async guard<T>(h: Handle, op: () => Promise<T>): Promise<T> {
    keyOf(h); // a bad name is invalid_input before the folder is even looked at
    await this.present();
    try {
      return await op();
    } catch (e) {
      throw await this.mapError(e, keyOf(h));
    }
  }

  private async mapError(e: unknown, what: string): Promise<unknown> {
    if (e instanceof RemoteError) return e;
    const code = (e as NodeJS.ErrnoException).code ?? (e instanceof StrataError ? e.code : '');
    // A file missing because the whole folder went away is offline, not not_found.
    if (code === 'not_found' || code === 'ENOENT') {
      await this.present();
      return e;
    }
    if (GONE.has(code))
      return new RemoteError('offline', `${what}: the mirror folder went away (${code}).`, { retry: 'final' });
    if (code === 'disk_full' || code === 'ENOSPC' || code === 'EDQUOT') {
      return new RemoteError('remote_full', `${what}: the mirror folder's drive is full.`, { retry: 'final' });
    }
    return e;
  }
}
