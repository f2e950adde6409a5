import { ObjectKind, sha256, type Dictionary } from './object-codec';
import { encodePageList, type PageListEntry } from './page-list';
import { PageEncoding, PendingPage } from './page-encoding';
import { PointResolver, type PointPageIds } from './point-pages';
import type { Manifest } from './manifest';
import type { ObjectReader } from './object-reader';
import type { PageSource } from './page-source';
import type { StoredPages } from './store-writer';

/**
 * A changed page is stored against the page that stood at its place, or against that page's own
 * base: always a page stored on its own, never another delta. Reading a page then decodes at most
 * two objects, and a kept page pins only its one base: deleting old points frees the deltas they
 * alone used (DELTA_SHARE, page-encoder.ts, decides when a delta is worth it).
 */
export { DELTA_SHARE } from './page-encoder';
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
  threads = true,
): Promise<void> {
  const before = prev ? previousPages(w.reader, prev) : null;
  const asDelta =
    prev?.format === 2 &&
    before !== null &&
    before.listObjects.length < MAX_LIST_CHAIN &&
    before.deltaBytes < before.wholeBytes &&
    before.listObjects.every((id) => w.present(id));
  const entries: { pgno: number; id: string; deps: readonly string[] | PendingPage }[] = [];
  const encoding = new PageEncoding(w, result, source, threads);
  try {
    for (let pgno = 1; pgno <= source.pageCount; pgno++) {
      const prevId = before?.ids[pgno - 1];
      const prevDeps = before?.deps.get(pgno) ?? NO_DEPS;
      let id: string;
      let deps: readonly string[] | PendingPage;
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
        else {
          const replaced = prevId && prevId !== id ? { id: prevId, deps: prevDeps } : null;
          deps = storePage(w, encoding, idBuf, page, pgno, replaced);
        }
      }
      if (!asDelta || id !== prevId || deps instanceof PendingPage || !sameIds(deps, prevDeps))
        entries.push({ pgno, id, deps });
      if (encoding.batchFull) await encoding.dispatch();
      if (pgno % 256 === 0) await yieldToLoop();
    }
    await encoding.finish();
  } finally {
    await encoding.close();
  }
  const resolved: PageListEntry[] = entries.map((e) => ({
    pgno: e.pgno,
    id: e.id,
    deps: e.deps instanceof PendingPage ? e.deps.deps! : e.deps,
  }));
  const list = encodePageList(source.pageCount, asDelta ? (prev as { pageList: string }).pageList : null, resolved);
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
 * Asks for one page to be stored unless the store has it, and returns the objects it needs to be
 * decoded (or the pending page that will know). A new page that replaced `replaced` is offered
 * its base to be stored against (see DELTA_SHARE).
 */
function storePage(
  w: ListedWriteContext,
  encoding: PageEncoding,
  id: Buffer,
  page: Buffer,
  pgno: number,
  replaced: { id: string; deps: readonly string[] } | null,
): readonly string[] | PendingPage {
  const hex = id.toString('hex');
  const known = w.written.get(hex) ?? encoding.scheduledPage(hex);
  if (known) return known instanceof PendingPage ? (known.base ? known : NO_DEPS) : known;
  if (w.present(hex)) return w.dependencies(hex);
  const baseId = !replaced || replaced.deps.length > 1 ? null : (replaced.deps[0] ?? replaced.id);
  let base: Buffer | null = null;
  if (baseId && !w.healing(hex) && w.present(baseId)) {
    try {
      base = w.reader.read(baseId);
    } catch {
      base = null; // a damaged base: store the page on its own
    }
  }
  return encoding.add(
    id,
    hex,
    page,
    pgno,
    base && baseId ? { id: Buffer.from(baseId, 'hex'), hex: baseId, content: base } : null,
  );
}

function allPresent(w: ListedWriteContext, id: string, deps: readonly string[]): boolean {
  if (!w.present(id)) return false;
  for (const d of deps) if (!w.present(d)) return false;
  return true;
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
