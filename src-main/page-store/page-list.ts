import { ObjectDamagedError } from './object-codec';

/**
 * A point's ordered page ids as one object (kind 4): either the whole list, or only the pages that
 * differ from a base list (the point before). A point after 1 % of scattered changes then costs
 * about 35 bytes per changed page instead of a fixed-size chunk per changed page. Each entry also
 * names the objects its page needs to be decoded (codec 4 bases, nearest first), so garbage
 * collection and sizes know every object a point depends on without reading its pages.
 * Layout: docs/store-format.md, "Page lists".
 */
export const PAGE_LIST_VERSION = 1;
const HEADER_BYTES = 12;
const FLAG_DELTA = 1;

export interface PageListEntry {
  pgno: number;
  id: string;
  deps: readonly string[];
}

export interface DecodedPageList {
  pageCount: number;
  base: string | null;
  entries: PageListEntry[];
}

function pushVarint(out: number[], n: number): void {
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
}

/** Entries must be in increasing page order; a list without a base must name every page. */
export function encodePageList(pageCount: number, base: string | null, entries: readonly PageListEntry[]): Buffer {
  let size = HEADER_BYTES + (base ? 32 : 0);
  for (const e of entries) size += 10 + 32 * (1 + e.deps.length);
  const out = Buffer.alloc(size);
  out[0] = PAGE_LIST_VERSION;
  out[1] = base ? FLAG_DELTA : 0;
  out.writeUInt32LE(pageCount, 4);
  out.writeUInt32LE(entries.length, 8);
  let at = HEADER_BYTES;
  if (base) at += out.write(base, at, 'hex');
  let last = 0;
  const bytes: number[] = [];
  for (const e of entries) {
    if (e.pgno <= last || e.pgno > pageCount) throw new RangeError(`page list entries out of order at ${e.pgno}`);
    bytes.length = 0;
    pushVarint(bytes, e.pgno - last);
    pushVarint(bytes, e.deps.length);
    for (const b of bytes) out[at++] = b;
    at += out.write(e.id, at, 'hex');
    for (const d of e.deps) at += out.write(d, at, 'hex');
    last = e.pgno;
  }
  return out.subarray(0, at);
}

export function decodePageList(content: Buffer): DecodedPageList {
  const damaged = (why: string) => new ObjectDamagedError(`page list ${why}`);
  if (content.length < HEADER_BYTES || content[0] !== PAGE_LIST_VERSION) throw damaged('has an unknown version');
  const delta = (content[1]! & FLAG_DELTA) !== 0;
  const pageCount = content.readUInt32LE(4);
  const count = content.readUInt32LE(8);
  let at = HEADER_BYTES;
  const need = (n: number) => {
    if (at + n > content.length) throw damaged('is cut short');
  };
  let base: string | null = null;
  if (delta) {
    need(32);
    base = content.subarray(at, at + 32).toString('hex');
    at += 32;
  }
  const varint = () => {
    let n = 0;
    for (let shift = 1; ; shift *= 128) {
      need(1);
      const b = content[at++]!;
      n += (b & 0x7f) * shift;
      if (b < 0x80) return n;
      if (shift > 2 ** 28) throw damaged('has a bad number');
    }
  };
  const entries: PageListEntry[] = [];
  let pgno = 0;
  for (let i = 0; i < count; i++) {
    const gap = varint();
    const depCount = varint();
    if (gap === 0 || pgno + gap > pageCount) throw damaged('names a page out of range');
    pgno += gap;
    need(32 * (1 + depCount));
    const id = content.subarray(at, at + 32).toString('hex');
    at += 32;
    const deps: string[] = [];
    for (let d = 0; d < depCount; d++, at += 32) deps.push(content.subarray(at, at + 32).toString('hex'));
    entries.push({ pgno, id, deps });
  }
  if (at !== content.length) throw damaged('has trailing bytes');
  if (!delta && entries.length !== pageCount) throw damaged('without a base does not name every page');
  return { pageCount, base, entries };
}

/** A page list with its base chain applied: every page's id and the objects it depends on. */
export interface ResolvedPageList {
  listId: string;
  pageCount: number;
  ids: string[];
  /** Pages whose object needs other objects to be decoded (codec 4): page number -> their ids. */
  deps: Map<number, readonly string[]>;
  /** This list and every base list it was applied onto, newest first. */
  chain: string[];
  /** Content bytes of this list and the delta lists under it, down to the nearest whole list. */
  deltaBytes: number;
  /** Content bytes of the whole list at the bottom of the chain. */
  wholeBytes: number;
}

/** A chain this long is damage (a loop, or a writer gone wrong); writers stay far below it. */
const MAX_CHAIN = 4096;
const CACHE_SIZE = 4;

/**
 * Resolves page lists through their base chains. Points are usually resolved oldest first and
 * each one's base is the point before, so a small cache of recent results makes resolving every
 * point of a store cost each list object once.
 */
export class PageListResolver {
  private readonly cache = new Map<string, ResolvedPageList>();

  constructor(private readonly read: (id: string) => Buffer) {}

  resolve(listId: string): ResolvedPageList {
    const pending: { id: string; list: DecodedPageList; bytes: number }[] = [];
    let below: ResolvedPageList | null = null;
    for (let id: string | null = listId; id;) {
      const hit = this.cache.get(id);
      if (hit) {
        below = hit;
        break;
      }
      if (pending.length >= MAX_CHAIN || pending.some((p) => p.id === id)) {
        throw new ObjectDamagedError(`page list ${listId.slice(0, 12)} has a base chain that does not end`);
      }
      const content = this.read(id);
      const list = decodePageList(content);
      pending.push({ id, list, bytes: content.length });
      id = list.base;
    }
    // The lists are applied in place onto one copy: the lists between are not kept, so resolving
    // a point at the end of a long chain costs one pass over each list, not one copy per list.
    pending.reverse();
    const bottom = pending[0];
    if (!below && bottom?.list.base) throw new ObjectDamagedError(`page list ${bottom.id.slice(0, 12)} lost its base`);
    const ids: string[] = below ? below.ids.slice() : [];
    const deps = new Map<number, readonly string[]>(below ? below.deps : []);
    let chain = below ? below.chain : [];
    let deltaBytes = below ? below.deltaBytes : 0;
    let wholeBytes = below ? below.wholeBytes : 0;
    for (const { id, list, bytes } of pending) {
      if (list.pageCount < ids.length) for (const pgno of deps.keys()) if (pgno > list.pageCount) deps.delete(pgno);
      ids.length = list.pageCount;
      for (const e of list.entries) {
        ids[e.pgno - 1] = e.id;
        if (e.deps.length) deps.set(e.pgno, e.deps);
        else deps.delete(e.pgno);
      }
      if (list.base) {
        chain = [id, ...chain];
        deltaBytes += bytes;
      } else {
        chain = [id];
        deltaBytes = 0;
        wholeBytes = bytes;
      }
    }
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] === undefined)
        throw new ObjectDamagedError(`page list ${listId.slice(0, 12)} does not name page ${i + 1}`);
    }
    const resolved: ResolvedPageList = { listId, pageCount: ids.length, ids, deps, chain, deltaBytes, wholeBytes };
    this.remember(resolved);
    return resolved;
  }

  private remember(r: ResolvedPageList): void {
    this.cache.delete(r.listId);
    this.cache.set(r.listId, r);
    if (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
  }
}
