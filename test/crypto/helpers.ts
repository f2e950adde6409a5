import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fsyncDirSync, writeFileAtomicSync } from '../../src-main/core/atomic-file';
import { StrataError } from '../../src-main/core/errors';
import type { AttemptLog, KeyFileStore, KeyHandle, ScryptParams } from '../../src-main/crypto';

/** Small scrypt parameters for tests that make many key files; the default is measured elsewhere. */
export const FAST_SCRYPT: ScryptParams = { N: 2 ** 10, r: 8, p: 1 };

const notFound = (name: string) => new StrataError('not_found', `no key file ${name}`);

/** Key files in memory, with the Backend's rules (atomic save, ifAbsent, missing remove succeeds). */
export class MemoryKeyFiles implements KeyFileStore {
  readonly files = new Map<string, Buffer>();
  /** Called before each operation finishes: tests interleave two operations here. */
  beforeEach: ((op: 'list' | 'load' | 'save' | 'remove', name: string) => Promise<void>) | null = null;

  async *list(_kind: 'key'): AsyncIterable<{ name: string; size: number }> {
    await this.beforeEach?.('list', '');
    for (const [name, b] of [...this.files]) yield { name, size: b.length };
  }
  async load(h: KeyHandle): Promise<Buffer> {
    await this.beforeEach?.('load', h.name);
    const b = this.files.get(h.name);
    if (!b) throw notFound(h.name);
    return Buffer.from(b);
  }
  async save(h: KeyHandle, data: Uint8Array, options?: { ifAbsent?: boolean }): Promise<void> {
    await this.beforeEach?.('save', h.name);
    if (options?.ifAbsent && this.files.has(h.name)) throw new StrataError('already_exists', h.name);
    this.files.set(h.name, Buffer.from(data));
  }
  async remove(h: KeyHandle): Promise<void> {
    await this.beforeEach?.('remove', h.name);
    this.files.delete(h.name);
  }
  snapshot(): Map<string, string> {
    return new Map([...this.files].map(([k, v]) => [k, v.toString('hex')]));
  }
}

/** Key files in a real folder: temp file, fsync, rename, fsync the folder, as the local backend does. */
export class FolderKeyFiles implements KeyFileStore {
  constructor(readonly dir: string) {}
  async *list(_kind: 'key'): AsyncIterable<{ name: string }> {
    if (!fs.existsSync(this.dir)) return;
    for (const name of fs.readdirSync(this.dir)) if (!name.startsWith('.')) yield { name };
  }
  async load(h: KeyHandle): Promise<Buffer> {
    try {
      return fs.readFileSync(path.join(this.dir, h.name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(h.name);
      throw e;
    }
  }
  async save(h: KeyHandle, data: Uint8Array, options?: { ifAbsent?: boolean }): Promise<void> {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const target = path.join(this.dir, h.name);
    const tmp = path.join(this.dir, `.${h.name}.${crypto.randomBytes(4).toString('hex')}.tmp`);
    const fd = fs.openSync(tmp, 'wx', 0o600);
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (options?.ifAbsent) {
      // link() fails when the name exists: "only if absent" without a window.
      try {
        fs.linkSync(tmp, target);
      } catch (e) {
        fs.rmSync(tmp, { force: true });
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new StrataError('already_exists', h.name);
        throw e;
      }
      fs.rmSync(tmp);
    } else fs.renameSync(tmp, target);
    fsyncDirSync(this.dir);
  }
  async remove(h: KeyHandle): Promise<void> {
    fs.rmSync(path.join(this.dir, h.name), { force: true });
    fsyncDirSync(this.dir);
  }
}

export class MemoryAttemptLog implements AttemptLog {
  text: string | null = null;
  async read(): Promise<string | null> {
    return this.text;
  }
  async write(text: string): Promise<void> {
    this.text = text;
  }
}

/** The attempt log in a real file, written durably (temp, fsync, rename). */
export class FileAttemptLog implements AttemptLog {
  constructor(readonly file: string) {}
  async read(): Promise<string | null> {
    try {
      return fs.readFileSync(this.file, 'utf8');
    } catch {
      return null;
    }
  }
  async write(text: string): Promise<void> {
    writeFileAtomicSync(this.file, text);
  }
}

/** A plain object record as the page store's codec makes it (byte 5 = 0). */
export function plainRecord(kind: number, codec: number, rawLength: number, payload: Uint8Array): Buffer {
  const r = Buffer.alloc(16 + payload.length);
  r[0] = 0x53;
  r[1] = 0x4f;
  r[2] = 1;
  r[3] = kind;
  r[4] = codec;
  r.writeUInt32LE(rawLength, 8);
  r.writeUInt32LE(payload.length, 12);
  Buffer.from(payload).copy(r, 16);
  return r;
}

export async function expectCode(p: Promise<unknown>, code: string): Promise<StrataError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StrataError && e.code === code) return e;
    throw new Error(`expected ${code}, got ${e instanceof StrataError ? e.code : String(e)}: ${String(e)}`);
  }
  throw new Error(`expected ${code}, but it succeeded`);
}
