import { encodeAgainstBase, encodeObject, ObjectKind, sha256, type Dictionary } from './object-codec';
import { encodePageList, type PageListEntry } from './page-list';
import { PointResolver, type PointPageIds } from './point-pages';
import type { Manifest } from './manifest';
import type { ObjectReader } from './object-reader';
import type { PageSource } from './page-source';
import type { StoredPages } from './store-writer';

/**
 * A changed page is stored against the page that stood at its place, or against that page's own
 * base: always a page stored on its own, never another delta. Reading a page then decodes at most
 * two objects, and a kept page pins only its one base: deleting old points frees the deltas they
 * alone used. When the delta is not below this share of the page stored alone, the page is stored
 * alone and becomes the base for the versions after it (measured in the format document).
 */
export const DELTA_SHARE = 0.5;
/** A page list is a delta on at most this many lists; then a whole list starts a new chain. */
export const MAX_LIST_CHAIN = 64;

/** What writing a format-2 point needs from the write session (StoreWriter). */
export interface ListedWriteContext {
  readonly reader: ObjectReader;
  readonly dict: Dictionary | null;
  /** In the store and not known to be damaged. */
  present(id: string): boolean;
  /** Verify found it damaged: store a fresh copy, on its own. */
  healing(id: string): boolean;
  /** What an object needs to be decoded: as this session wrote it, or read from its records. */
  dependencies(id: string): readonly string[];
  /** Objects this session wrote, with the bases each was stored against. */
  readonly written: Map<string, readonly string[]>;
  store(id: Buffer, kind: number, content: Buffer, result: StoredPages, encoded?: Buffer): void;
}

const NO_DEPS: readonly string[] = [];
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A format-2 point: every page hashed (or, outside `changedPages`, taken from the previous
 * point), new pages compressed against the page they replace, and a page list that names only
 * what differs from the previous point's list.
 */
export async function putListedPages(
  w: ListedWriteContext,
  source: PageSource,
  prev: Manifest | undefined,
  changedPages: ReadonlySet<number> | undefined,
  result: StoredPages,
): Promise<void> {
  const before = prev ? previousPages(w.reader, prev) : null;
  const asDelta =
    prev?.format === 2 &&
    before !== null &&
    before.listObjects.length < MAX_LIST_CHAIN &&
    before.deltaBytes < before.wholeBytes &&
    before.listObjects.every((id) => w.present(id));
  const entries: PageListEntry[] = [];
  for (let pgno = 1; pgno <= source.pageCount; pgno++) {
    const prevId = before?.ids[pgno - 1];
    const prevDeps = before?.deps.get(pgno) ?? NO_DEPS;
    let id: string;
    let deps: readonly string[];
    if (changedPages && prevId && !changedPages.has(pgno) && allPresent(w, prevId, prevDeps)) {
      id = prevId;
      deps = prevDeps;
    } else {
      const page = source.readPage(pgno);
      const idBuf = sha256(page);
      id = idBuf.toString('hex');
      result.pagesHashed++;
      // An unchanged page keeps the bases its entry already names, without reading its record.
      if (id === prevId && prev?.format === 2 && allPresent(w, id, prevDeps)) deps = prevDeps;
      else deps = storePage(w, idBuf, page, prevId && prevId !== id ? { id: prevId, deps: prevDeps } : null, result);
    }
    if (!asDelta || id !== prevId || !sameIds(deps, prevDeps)) entries.push({ pgno, id, deps });
    if (pgno % 256 === 0) await yieldToLoop();
  }
  const list = encodePageList(source.pageCount, asDelta ? (prev as { pageList: string }).pageList : null, entries);
  const listId = sha256(list);
  w.store(listId, ObjectKind.pageList, list, result);
  result.pageList = listId.toString('hex');
}

/** The previous point's pages, or null when they cannot be read (then nothing is reused). */
function previousPages(reader: ObjectReader, prev: Manifest): PointPageIds | null {
  try {
    return new PointResolver(reader).pages(prev);
  } catch {
    return null;
  }
}

/**
 * Stores one page unless the store has it, and returns the objects it needs to be decoded. A new
 * page that replaced `replaced` is stored against its base (see DELTA_SHARE) when that is enough
 * smaller.
 */
function storePage(
  w: ListedWriteContext,
  id: Buffer,
  page: Buffer,
  replaced: { id: string; deps: readonly string[] } | null,
  result: StoredPages,
): readonly string[] {
  const hex = id.toString('hex');
  const known = w.written.get(hex);
  if (known) return known;
  if (w.present(hex)) return w.dependencies(hex);
  let record = encodeObject(ObjectKind.page, page, true, w.dict ?? undefined);
  let deps: readonly string[] = NO_DEPS;
  const baseId = !replaced || replaced.deps.length > 1 ? null : (replaced.deps[0] ?? replaced.id);
  if (baseId && !w.healing(hex) && w.present(baseId)) {
    let base: Buffer | null = null;
    try {
      base = w.reader.read(baseId);
    } catch {
      base = null; // a damaged base: store the page on its own
    }
    const limit = Math.floor(record.length * DELTA_SHARE);
    const delta = base && encodeAgainstBase(page, { id: Buffer.from(baseId, 'hex'), content: base }, limit);
    if (delta) {
      record = delta;
      deps = [baseId];
    }
  }
  w.store(id, ObjectKind.page, page, result, record);
  w.written.set(hex, deps);
  return deps;
}

function allPresent(w: ListedWriteContext, id: string, deps: readonly string[]): boolean {
  if (!w.present(id)) return false;
  for (const d of deps) if (!w.present(d)) return false;
  return true;
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
