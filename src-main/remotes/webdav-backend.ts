import crypto from 'node:crypto';
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
import { exchange, statusError, type HttpReply } from './http';
import { keyOf, listingPlan, nameOfKey } from './layout';
import { RemoteError, scrub } from './remote-error';
import type { RemoteCapabilities, RemoteEnv } from './remote-env';
import { checkRange, sliceRange } from './replies';
import { withRetries } from './retry';
import { ServerClock } from './server-clock';
import { PROPFIND_BODY, parseMultistatus, type DavEntry } from './webdav-xml';

export interface WebDavOptions {
  /** The collection that holds the store, e.g. `https://cloud.example/remote.php/dav/files/me/strata/`. */
  url: string;
  user: string;
  /** Asked for on every request, so a new password takes effect without reopening. */
  password: () => Promise<string>;
  env: RemoteEnv;
}

/**
 * A store in a WebDAV collection (Nextcloud, ownCloud, a NAS, Apache mod_dav, rclone). A file is
 * PUT under a temp name in its folder (`.<name>.<random>.tmp`, which listings ignore), its size
 * checked, then MOVEd to its name with `Overwrite: F` unless its kind may be replaced: so no
 * file appears half-written, and nothing is overwritten even on servers that ignore
 * `If-None-Match` (rclone does). Folders are made with MKCOL as they are first needed.
 */
export class WebDavBackend implements Backend {
  readonly description: BackendDescription;
  /** MOVE with `Overwrite: F` refuses an existing name on Apache and rclone alike. */
  readonly honoursIfAbsent = true;
  readonly capabilities: RemoteCapabilities = {
    // MOVE with Overwrite: T deletes then renames on some servers.
    atomicReplace: false,
    rangeReads: true,
    serverTime: true,
  };
  readonly serverClock: ServerClock;
  private readonly base: URL;
  private readonly madeFolders = new Set<string>();
  private secrets: string[] = [];

  constructor(private readonly o: WebDavOptions) {
    const base = new URL(o.url);
    if (base.protocol !== 'https:' && base.protocol !== 'http:') {
      throw new StrataError('invalid_config', 'A WebDAV address is an http or https address.');
    }
    if (base.username || base.password || base.search || base.hash) {
      throw new StrataError('invalid_config', 'A WebDAV address holds no user, password, query or fragment.');
    }
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.base = base;
    this.description = { type: 'webdav', url: base.toString(), user: o.user };
    this.serverClock = new ServerClock(o.env.now);
  }

  replaceable(kind: HandleKind): boolean {
    return REPLACEABLE_KINDS.has(kind);
  }

  async save(h: Handle, data: Uint8Array, options: SaveOptions = {}): Promise<void> {
    const key = keyOf(h);
    const overwrite = !options.ifAbsent && this.replaceable(h.kind);
    const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const slash = key.lastIndexOf('/');
    const folder = key.slice(0, slash + 1);
    const temp = `${folder}.${key.slice(slash + 1)}.${crypto.randomBytes(6).toString('hex')}.tmp`;
    const what = `Upload of ${key}`;
    await this.ensureFolder(folder);
    let moved = false;
    try {
      await this.retrying(what, async () => {
        const reply = await this.request('PUT', temp, { 'content-type': 'application/octet-stream' }, body, what);
        if (reply.status === 409) {
          // The folder went away (another device's cleanup): make it again, then retry.
          this.madeFolders.delete(folder);
          await this.ensureFolder(folder);
          throw new RemoteError('remote_unavailable', `${what}: its folder was missing.`, { retry: 'transient' });
        }
        if (reply.status !== 201 && reply.status !== 204 && reply.status !== 200) throw this.failure(reply, what);
      });
      const size = (await this.propstat(temp, what))?.size ?? null;
      if (size !== body.length) {
        throw new RemoteError(
          'upload_unverified',
          `${what}: the server holds ${size ?? 'no'} bytes after ${body.length} were sent.`,
          {
            retry: 'final',
          },
        );
      }
      let tries = 0;
      await this.retrying(what, async () => {
        tries++;
        const reply = await this.request(
          'MOVE',
          temp,
          { destination: new URL(this.path(key), this.base).toString(), overwrite: overwrite ? 'T' : 'F' },
          undefined,
          what,
        );
        if (reply.status === 201 || reply.status === 204) return;
        // A retried MOVE whose first try went through (only its answer was lost) finds its
        // source gone (Apache: 404) or the name taken (rclone checks that first: 412). It is
        // done when the temp file is gone and the name holds our size.
        if (tries > 1 && (reply.status === 404 || reply.status === 412)) {
          const [mine, there] = await Promise.all([this.propstat(temp, what), this.stat(h)]);
          if (mine === null && there?.size === body.length) return;
        }
        throw this.failure(reply, what);
      });
      moved = true;
    } finally {
      // Best effort: a temp file left by a failure is ignored by listings either way.
      if (!moved) await this.request('DELETE', temp, {}, undefined, what).catch(() => undefined);
    }
  }

  async load(h: Handle, range?: ByteRange): Promise<Buffer> {
    const key = keyOf(h);
    if (range) checkRange(range);
    if (range?.length === 0) return Buffer.alloc(0);
    const what = `Download of ${key}`;
    const headers: Record<string, string> = {};
    if (range) headers.range = `bytes=${range.offset}-${range.offset + range.length - 1}`;
    return this.retrying(what, async () => {
      const reply = await this.request('GET', key, headers, undefined, what, range?.length ?? 4 << 20);
      // A range that starts at or past the end (or any range of an empty file) reads nothing.
      if (range && reply.status === 416) return Buffer.alloc(0);
      if (reply.status !== 200 && reply.status !== 206) throw this.failure(reply, what);
      return range ? sliceRange(reply, range, what) : reply.body;
    });
  }

  async stat(h: Handle): Promise<FileInfo | null> {
    const key = keyOf(h);
    const what = `Looking up ${key}`;
    const e = await this.propstat(key, what);
    return e ? { name: h.name, size: e.size, modifiedAt: e.modifiedAt } : null;
  }

  /**
   * One file's size and time by PROPFIND (depth 0): HEAD would do, but Apache sends no
   * `Content-Length` for an empty file. Null when there is no such file.
   */
  private async propstat(key: string, what: string): Promise<{ size: number; modifiedAt: Date | null } | null> {
    const entries = await this.propfind(key, '0', what);
    const e = entries.find((x) => !x.collection);
    if (!e) return null;
    if (e.size === null) {
      throw new RemoteError('bad_response', `${what}: the server gave no size.`, { retry: 'final', status: 207 });
    }
    return { size: e.size, modifiedAt: e.modifiedAt };
  }

  async *list(kind: HandleKind, options: ListOptions = {}): AsyncIterable<FileInfo> {
    const plan = listingPlan(kind, options.prefix);
    const basePath = decodeURIComponent(this.base.pathname);
    // Folders to read, each with how many levels below the start it lies.
    const queue: { folder: string; level: number }[] = [{ folder: plan.folder, level: 0 }];
    while (queue.length) {
      const { folder, level } = queue.shift()!;
      for (const e of await this.propfind(folder, '1', `Listing ${folder || '/'}`)) {
        if (!e.path.startsWith(basePath)) continue;
        const key = e.path.slice(basePath.length);
        if (e.collection) {
          const sub = key.endsWith('/') ? key : `${key}/`;
          const last = sub.slice(0, -1).split('/').pop() ?? '';
          if (sub === folder || last.startsWith('.') || level >= plan.depth) continue;
          // Descend only where the prefix can still match.
          if (sub.startsWith(plan.keyPrefix) || plan.keyPrefix.startsWith(sub))
            queue.push({ folder: sub, level: level + 1 });
          continue;
        }
        if (!key.startsWith(plan.keyPrefix) || e.size === null) continue;
        const name = nameOfKey(kind, key);
        if (name !== null) yield { name, size: e.size, modifiedAt: e.modifiedAt };
      }
    }
  }

  async remove(h: Handle): Promise<void> {
    const key = keyOf(h);
    const what = `Removal of ${key}`;
    await this.retrying(what, async () => {
      const reply = await this.request('DELETE', key, {}, undefined, what);
      if (reply.status !== 204 && reply.status !== 200 && reply.status !== 404) throw this.failure(reply, what);
    });
  }

  async close(): Promise<void> {
    // Nothing held: connections belong to the transport.
  }

  /** A folder and its members (depth 1) or one file (depth 0); nothing there gives none. */
  private async propfind(key: string, depth: '0' | '1', what: string): Promise<DavEntry[]> {
    return this.retrying(what, async () => {
      const reply = await this.request(
        'PROPFIND',
        key,
        { depth, 'content-type': 'application/xml; charset=utf-8' },
        Buffer.from(PROPFIND_BODY),
        what,
      );
      if (reply.status === 404) return [];
      if (reply.status !== 207) throw this.failure(reply, what);
      try {
        return parseMultistatus(reply.body.toString('utf8'));
      } catch (e) {
        throw new RemoteError('bad_response', `${what}: the server's listing could not be read (${String(e)}).`, {
          retry: 'transient',
          status: 207,
        });
      }
    });
  }

  /** Makes each missing level of `folder` (ending in `/`), remembering what exists. */
  private async ensureFolder(folder: string): Promise<void> {
    const parts = folder.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const sub = `${parts.slice(0, i).join('/')}/`;
      if (this.madeFolders.has(sub)) continue;
      const what = `Making folder ${sub}`;
      await this.retrying(what, async () => {
        const reply = await this.request('MKCOL', sub, {}, undefined, what);
        // 405: it exists already (as a folder, or a file in the way, which the PUT then reports).
        if (reply.status !== 201 && reply.status !== 405) throw this.failure(reply, what);
      });
      this.madeFolders.add(sub);
    }
  }

  private retrying<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    return withRetries(this.o.env, what, attempt);
  }

  private path(key: string): string {
    return key
      .split('/')
      .map((p) => encodeURIComponent(p))
      .join('/');
  }

  private async request(
    method: string,
    key: string,
    headers: Record<string, string>,
    body: Buffer | undefined,
    what: string,
    expectBytes = 0,
  ): Promise<HttpReply> {
    const password = await this.o.password();
    this.secrets = [password];
    const auth = `Basic ${Buffer.from(`${this.o.user}:${password}`).toString('base64')}`;
    this.secrets.push(auth.slice(6));
    const url = new URL(this.path(key), this.base).toString();
    try {
      return await exchange(
        this.o.env,
        this.serverClock,
        { method, url, headers: { ...headers, authorization: auth }, body },
        what,
        expectBytes,
      );
    } catch (e) {
      if (e instanceof RemoteError) {
        const message = scrub(e.message, this.secrets);
        if (message !== e.message) throw new RemoteError(e.code, message, e.info);
      }
      throw e;
    }
  }

  private failure(reply: HttpReply, what: string): RemoteError {
    return statusError(reply.status, what, '', reply.headers, this.o.env.now());
  }
}
