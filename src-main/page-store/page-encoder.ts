import { encodeAgainstBase, encodeObject, ObjectKind, type Dictionary } from './object-codec';

/**
 * A changed page is stored against the page that stood at its place when that is not above this
 * share of the page stored alone; otherwise alone, and it becomes the base for the versions after
 * it (measured in the format document).
 */
export const DELTA_SHARE = 0.5;

export interface PageBase {
  id: Buffer;
  content: Buffer;
}

export interface EncodedPage {
  record: Buffer;
  /** The record is codec 4, stored against the base it was given. */
  againstBase: boolean;
}

/**
 * One new page's record: compressed alone (with the store's dictionary), or against the page it
 * replaced when that is enough smaller. The same function runs inline and in the encoder threads,
 * so a point's bytes do not depend on where they were compressed.
 */
export function encodePage(page: Buffer, dict: Dictionary | undefined, base: PageBase | null): EncodedPage {
  const alone = encodeObject(ObjectKind.page, page, true, dict);
  if (base) {
    const delta = encodeAgainstBase(page, base, Math.floor(alone.length * DELTA_SHARE));
    if (delta) return { record: delta, againstBase: true };
  }
  return { record: alone, againstBase: false };
}

/** A batch of pages to encode, as it travels to an encoder thread. */
export interface EncodeRequest {
  seq: number;
  pageSize: number;
  /** The pages, back to back. */
  pages: Uint8Array;
  /** Per page: its base, or null. */
  bases: ({ id: Uint8Array; content: Uint8Array } | null)[];
}

export interface EncodeReply {
  seq: number;
  /** The records, back to back, with their lengths. */
  records?: Uint8Array;
  lengths?: Uint32Array;
  againstBase?: Uint8Array;
  error?: string;
}

/** Encodes a batch; the reply's buffers are its own, so they can be transferred. */
export function encodeBatch(req: EncodeRequest, dict: Dictionary | undefined): EncodeReply {
  const n = req.bases.length;
  const pages = Buffer.from(req.pages.buffer, req.pages.byteOffset, req.pages.byteLength);
  const out: Buffer[] = [];
  const lengths = new Uint32Array(n);
  const againstBase = new Uint8Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const b = req.bases[i];
    const base = b
      ? { id: Buffer.from(b.id.buffer, b.id.byteOffset, b.id.byteLength), content: Buffer.from(b.content) }
      : null;
    const e = encodePage(pages.subarray(i * req.pageSize, (i + 1) * req.pageSize), dict, base);
    out.push(e.record);
    lengths[i] = e.record.length;
    againstBase[i] = e.againstBase ? 1 : 0;
    total += e.record.length;
  }
  const records = new Uint8Array(total);
  let at = 0;
  for (const r of out) {
    records.set(r, at);
    at += r.length;
  }
  return { seq: req.seq, records, lengths, againstBase };
}
