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
import { withRetries } from './retry';
import { parseErrorReply, parseListPage } from './s3-xml';
import { signS3 } from './s3-sign';
import { uploadDigests } from './hashing';
import { ServerClock } from './server-clock';
import { checkRange, checkedSize, lastModified, sliceRange } from './replies';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3Options {
  endpoint: string;
  bucket: string;
  /** Folder inside the bucket, '' or ending in `/`. */
  prefix: string;
  region: string;
  /** `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key` (MinIO, s3rver). */
  pathStyle: boolean;
  /** Asked for on every request, so new credentials take effect without reopening. */
  credentials: () => Promise<S3Credentials>;
  env: RemoteEnv;
  /** Keys per ListObjectsV2 page (S3's most is 1000; tests use fewer to exercise paging). */
  listPageSize?: number;
}

const EMPTY_SHA256 = crypto.createHash('sha256').update('').digest('hex');

/**
 * A store in an S3 bucket (AWS, R2, B2, MinIO, Wasabi, s3rver), over the injected transport and
 * signed with aws4fetch's SigV4 signer. Each PUT carries the body's SHA-256 and MD5 (checked by
 * servers that check them) and is followed by a HEAD that the size is right (for those that do
 * not). Immutable kinds are sent with `If-None-Match: *`; S3 clones that ignore it still never
 * see a content-named file change, because its name is its content.
 */
export class S3Backend implements Backend {
  readonly description: BackendDescription;
  /**
   * AWS S3 honours `If-None-Match: *` (since 2024) and so do some clones, but s3rver and older
   * clones ignore it; without probing the server, assume it is not enforced.
   */
  readonly honoursIfAbsent = false;
  readonly capabilities: RemoteCapabilities = {
    atomicReplace: true,
    rangeReads: true,
    serverTime: true,
  };
  readonly serverClock: ServerClock;
  private readonly base: URL;
  private readonly keyPrefix: string;
  private secrets: string[] = [];

  constructor(private readonly o: S3Options) {
    if (o.prefix !== '' && (!o.prefix.endsWith('/') || o.prefix.startsWith('/') || o.prefix.includes('..'))) {
      throw new StrataError('invalid_config', 'An S3 prefix is empty or a folder name ending in "/".');
    }
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(o.bucket)) {
      throw new StrataError('invalid_config', `Not a valid S3 bucket name: ${JSON.stringify(o.bucket)}.`);
    }
    const endpoint = new URL(o.endpoint);
    if (endpoint.protocol !== 'https:' && endpoint.protocol !== 'http:') {
      throw new StrataError('invalid_config', 'An S3 endpoint is an http or https address.');
    }
    this.base = o.pathStyle
      ? new URL(`${endpoint.origin}/${o.bucket}/`)
      : new URL(`${endpoint.protocol}//${o.bucket}.${endpoint.host}/`);
    this.keyPrefix = o.prefix;
    this.description = {
      type: 's3',
      endpoint: endpoint.origin,
      bucket: o.bucket,
      prefix: o.prefix,
      region: o.region,
      pathStyle: o.pathStyle,
    };
    this.serverClock = new ServerClock(o.env.now);
  }

  replaceable(kind: HandleKind): boolean {
    return REPLACEABLE_KINDS.has(kind);
  }

  async save(h: Handle, data: Uint8Array, options: SaveOptions = {}): Promise<void> {
    const key = keyOf(h);
    if (!options.ifAbsent && !this.replaceable(h.kind)) options = { ifAbsent: true };
    const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const { md5, sha256 } = await uploadDigests(body);
    const headers: Record<string, string> = {
      'content-type': 'application/octet-stream',
      'content-md5': md5.toString('base64'),
      'x-amz-checksum-sha256': sha256.toString('base64'),
      'x-amz-content-sha256': sha256.toString('hex'),
    };
    if (options.ifAbsent) headers['if-none-match'] = '*';
    const what = `Upload of ${key}`;
    let torn = false;
    let lostReply = false;
    let etag: string | null = null;
    try {
      await withRetries(
        this.o.env,
        what,
        async () => {
          let reply: HttpReply;
          try {
            reply = await this.request('PUT', key, headers, body, what);
          } catch (e) {
            // Refused connections sent nothing; anything else may have sent part of the body.
            if (!(e instanceof RemoteError && e.code === 'offline')) torn = true;
            throw e;
          }
          // Refused as existing after a broken try: either that try went through and only its
          // reply was lost (the file has our size: it is ours, since names are content hashes
          // or random), or a server that stores uploads as they stream kept a torn part.
          if (reply.status === 412 && torn) {
            if (await this.removeTorn(h, body.length)) {
              throw new RemoteError('remote_unavailable', `${what}: a torn earlier try was removed.`, {
                retry: 'transient',
              });
            }
            if ((await this.stat(h))?.size === body.length) {
              lostReply = true;
              return;
            }
          }
          if (reply.status !== 200 && reply.status !== 201) throw this.failure(reply, what);
          etag = reply.headers.get('etag');
        },
        (e) => this.learnSkew(e),
      );
    } catch (e) {
      if (torn) await this.removeTorn(h, body.length).catch(() => false);
      throw e;
    }
    // s3rver and some clones check neither checksum, so check after the fact. A single PUT's
    // ETag is the MD5 of the bytes the server stored (unless the bucket encrypts with KMS): equal
    // to ours, nothing more is needed; different, the upload is bad. Otherwise HEAD for the size.
    if (lostReply) return;
    const stored = /^"?([0-9a-f]{32})"?$/.exec(etag ?? '')?.[1];
    if (stored === md5.toString('hex')) return;
    if (stored) {
      throw new RemoteError(
        'upload_unverified',
        `${what}: the server stored other bytes than were sent (its MD5 differs).`,
        {
          retry: 'final',
        },
      );
    }
    const info = await this.stat(h);
    if (!info || info.size !== body.length) {
      throw new RemoteError(
        'upload_unverified',
        `${what}: the server holds ${info ? `${info.size} bytes` : 'nothing'} after ${body.length} bytes were sent.`,
        { retry: 'final' },
      );
    }
  }

  /**
   * After an upload whose connection broke: S3 itself never shows a torn PUT, but S3 clones that
   * write uploads as they stream (s3rver does) leave the first part under the final name. An
   * immutable file under our name with another size than we sent is that torn part (names are
   * content hashes or carry a random part), so it is removed; anything of the right size, and
   * any replaceable kind, is left alone. True when something was removed.
   */
  private async removeTorn(h: Handle, size: number): Promise<boolean> {
    if (this.replaceable(h.kind)) return false;
    const info = await this.stat(h);
    if (!info || info.size === size) return false;
    this.o.env.logger.warn(`Upload of ${keyOf(h)}: removing a torn copy of ${info.size} bytes the server kept`);
    await this.remove(h);
    return true;
  }

  async load(h: Handle, range?: ByteRange): Promise<Buffer> {
    const key = keyOf(h);
    if (range) checkRange(range);
    const what = `Download of ${key}`;
    const headers: Record<string, string> = { 'x-amz-content-sha256': EMPTY_SHA256 };
    if (range) {
      if (range.length === 0) return Buffer.alloc(0);
      headers.range = `bytes=${range.offset}-${range.offset + range.length - 1}`;
    }
    return withRetries(
      this.o.env,
      what,
      async () => {
        const reply = await this.request('GET', key, headers, undefined, what, range?.length ?? 4 << 20);
        // A range that starts at or past the end (or any range of an empty file) reads nothing.
        if (range && reply.status === 416) return Buffer.alloc(0);
        if (reply.status !== 200 && reply.status !== 206) throw this.failure(reply, what);
        return range ? sliceRange(reply, range, what) : reply.body;
      },
      (e) => this.learnSkew(e),
    );
  }

  async stat(h: Handle): Promise<FileInfo | null> {
    const key = keyOf(h);
    const what = `Looking up ${key}`;
    return withRetries(
      this.o.env,
      what,
      async () => {
        const reply = await this.request('HEAD', key, { 'x-amz-content-sha256': EMPTY_SHA256 }, undefined, what);
        if (reply.status === 404) return null;
        if (reply.status !== 200) throw this.failure(reply, what);
        return { name: h.name, size: checkedSize(reply, what), modifiedAt: lastModified(reply) };
      },
      (e) => this.learnSkew(e),
    );
  }

  async *list(kind: HandleKind, options: ListOptions = {}): AsyncIterable<FileInfo> {
    const plan = listingPlan(kind, options.prefix);
    const prefix = this.keyPrefix + plan.keyPrefix;
    let token: string | undefined;
    do {
      const query = new URLSearchParams({ 'list-type': '2', prefix, 'max-keys': String(this.o.listPageSize ?? 1000) });
      // A kind whose files sit directly in the folder is listed without descending.
      if (plan.depth === 0) query.set('delimiter', '/');
      if (token) query.set('continuation-token', token);
      const what = `Listing ${plan.keyPrefix || kind}`;
      const page = await withRetries(
        this.o.env,
        what,
        async () => {
          const reply = await this.request(
            'GET',
            '',
            { 'x-amz-content-sha256': EMPTY_SHA256 },
            undefined,
            what,
            0,
            query,
          );
          if (reply.status !== 200) throw this.failure(reply, what);
          try {
            return parseListPage(reply.body.toString('utf8'));
          } catch (e) {
            throw new RemoteError('bad_response', `${what}: the server's listing could not be read (${String(e)}).`, {
              retry: 'transient',
              status: reply.status,
            });
          }
        },
        (e) => this.learnSkew(e),
      );
      for (const obj of page.objects) {
        if (!obj.key.startsWith(this.keyPrefix)) continue;
        const name = nameOfKey(kind, obj.key.slice(this.keyPrefix.length));
        if (name !== null) yield { name, size: obj.size, modifiedAt: obj.lastModified };
      }
      token = page.isTruncated ? page.nextToken : undefined;
    } while (token);
  }

  async remove(h: Handle): Promise<void> {
    const key = keyOf(h);
    const what = `Removal of ${key}`;
    await withRetries(
      this.o.env,
      what,
      async () => {
        const reply = await this.request('DELETE', key, { 'x-amz-content-sha256': EMPTY_SHA256 }, undefined, what);
        if (reply.status !== 204 && reply.status !== 200 && reply.status !== 404) throw this.failure(reply, what);
      },
      (e) => this.learnSkew(e),
    );
  }

  async close(): Promise<void> {
    // Nothing held: connections belong to the transport.
  }

  private async request(
    method: string,
    key: string,
    headers: Record<string, string>,
    body: Buffer | undefined,
    what: string,
    expectBytes = 0,
    query?: URLSearchParams,
  ): Promise<HttpReply> {
    const creds = await this.o.credentials();
    this.secrets = [creds.secretAccessKey, creds.sessionToken ?? ''];
    // The bucket itself (for listings) or one object under the prefix.
    const url = new URL(
      (key === '' ? '' : this.keyPrefix + key)
        .split('/')
        .map((p) => encodeURIComponent(p))
        .join('/'),
      this.base,
    );
    if (query) url.search = query.toString();
    const signed = await signS3(method, url, headers, creds, this.o.region, this.serverClock.signingTime());
    try {
      return await exchange(
        this.o.env,
        this.serverClock,
        { method, url: signed.url, headers: signed.headers, body },
        what,
        expectBytes,
      );
    } catch (e) {
      throw this.clean(e);
    }
  }

  /** The error for a reply that is not a success, from its status and S3 error body. */
  private failure(reply: HttpReply, what: string): RemoteError {
    const err = parseErrorReply(reply.body);
    const detail = err?.message ? scrub(err.message, this.secrets).slice(0, 300) : '';
    const e = statusError(reply.status, what, detail, reply.headers, this.o.env.now(), err?.code);
    if (err?.serverTime) e.info.serverTime = err.serverTime;
    return e;
  }

  private learnSkew(e: RemoteError): void {
    if (e.info.serverTime) this.serverClock.observeServerTime(e.info.serverTime, this.o.env.now());
    // With no ServerTime in the body, the reply's Date header (already noted) is the best guess.
  }

  private clean(e: unknown): unknown {
    if (e instanceof RemoteError) {
      const message = scrub(e.message, this.secrets);
      return message === e.message ? e : new RemoteError(e.code, message, e.info);
    }
    return e;
  }
}
