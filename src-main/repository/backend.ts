/**
 * The storage seam: every place a store can live (this disk's backup folder, a mirror folder,
 * S3, WebDAV) is one `Backend`, and everything above it (the page store, continuous protection,
 * uploads, remote verify, several devices) speaks only in typed handles. In the spirit of
 * restic's `internal/backend` and Litestream's `ReplicaClient`: one small interface, many
 * implementations, one conformance suite (`test/repository/backend-conformance.ts`) that each
 * must pass.
 *
 * The rules every backend keeps:
 * - A file appears whole under its final name or not at all (an interrupted save leaves nothing
 *   under the final name).
 * - Only the kinds in `REPLACEABLE_KINDS` may be saved over an existing name. Saving any other
 *   kind over an existing name fails with `already_exists` where the backend can tell; callers
 *   never depend on it (several servers ignore "only if absent"), which is why every immutable
 *   name is a content hash or carries a random part.
 * - Removing a name that does not exist succeeds.
 * - Listing never returns writes in progress or leftovers of a crash.
 * - A byte range is read like `pread`: at most `length` bytes, fewer only when the file ends
 *   first, none when `offset` is at or past its end.
 * - A name that breaks the rules of its kind (`handle-names.ts`) is refused with `invalid_input`
 *   before anything is touched.
 */

/** Every kind of file a store holds. The layout of each kind is in `docs/store-format.md`. */
export const HANDLE_KINDS = [
  'pack',
  'index',
  'manifest',
  'dictionary',
  'segment',
  'generation',
  'lock',
  'key',
  'config',
  'device',
  'state',
] as const;
export type HandleKind = (typeof HANDLE_KINDS)[number];

/**
 * Kinds whose files may be replaced whole. Everything else is immutable once written. On a
 * remote shared by several devices, a backend may refuse replacement even of these (remote
 * manifests are new files per change); see `Backend.replaceable`.
 */
export const REPLACEABLE_KINDS: ReadonlySet<HandleKind> = new Set<HandleKind>([
  'manifest',
  'generation',
  'lock',
  'config',
  'device',
  'state',
]);

/** One file in a store: what it is and its name within that kind. */
export interface Handle {
  kind: HandleKind;
  /**
   * The name within its kind, as `docs/store-format.md` gives it for that kind. Names are
   * made of `[0-9A-Za-z._-]`, may hold one `/` where the kind has sub-folders (a segment's
   * generation, a remote manifest's device), never start with `.` and never contain `..`.
   */
  name: string;
}

export interface FileInfo {
  name: string;
  size: number;
  /** When the storage says the file was last written: the server's clock for a remote. */
  modifiedAt: Date | null;
}

export interface SaveOptions {
  /**
   * Fail with `already_exists` instead of replacing a file of that name. Honoured where the
   * storage supports it; a caller must not rely on it for safety.
   */
  ifAbsent?: boolean;
}

export interface ListOptions {
  /** Only names that start with this (for example a generation's or a device's folder). */
  prefix?: string;
}

export interface ByteRange {
  offset: number;
  length: number;
}

/**
 * What a worker thread needs to open the same backend for itself: plain data, so it crosses a
 * `postMessage`. Secrets never travel in it; a remote's credentials come from the keychain
 * interface in the thread that opens it.
 */
export type BackendDescription =
  | { type: 'local'; root: string }
  | { type: 'folder'; root: string }
  | { type: 's3'; endpoint: string; bucket: string; prefix: string; region: string; pathStyle: boolean }
  | { type: 'webdav'; url: string; user: string };

export interface Backend {
  readonly description: BackendDescription;
  /**
   * Whether "only if absent" (and the refusal to replace an immutable kind) is enforced
   * atomically by the storage. False for servers that ignore `If-None-Match` (s3rver, rclone's
   * WebDAV): saving there replaces, which is harmless only because immutable names are content
   * hashes or carry a random part. The conformance suite expects `already_exists` only when true.
   */
  readonly honoursIfAbsent: boolean;
  /** Whether a file of this kind may be saved over (a remote may narrow `REPLACEABLE_KINDS`). */
  replaceable(kind: HandleKind): boolean;
  /** Stores `data` whole under `h`: atomic, durable once it resolves. */
  save(h: Handle, data: Uint8Array, options?: SaveOptions): Promise<void>;
  /**
   * Reads a whole file, or `range` of it (see the rules above for a range past the end). Fails
   * with `not_found` when it does not exist.
   */
  load(h: Handle, range?: ByteRange): Promise<Buffer>;
  /** The file's size and time, or null when it does not exist. */
  stat(h: Handle): Promise<FileInfo | null>;
  /** Every file of a kind, in pages as the storage gives them; order is not promised. */
  list(kind: HandleKind, options?: ListOptions): AsyncIterable<FileInfo>;
  /** Removes a file; a missing one is not an error. */
  remove(h: Handle): Promise<void>;
  /** Releases what the backend holds (connections, descriptors). */
  close(): Promise<void>;
}
