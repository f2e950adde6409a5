import fs from 'node:fs';
import { z } from 'zod';
import { writeDurable } from '../page-store/durable-write';
import { decodeObject, encodeObject, ObjectKind, recordLengthOf, sha256 } from '../page-store/object-codec';

/**
 * A segment: the transactions one shipping round copied out of the WAL (or, after compaction,
 * many rounds'). Layout (docs/continuous-format.md):
 *
 *   "STRSEG01" | page objects (the store's object encoding) | footer JSON | u32 BE footer length
 *   | SHA-256 of every byte before it | "STRSEG01"
 *
 * The footer lists each commit: when it was seen, the WAL frame it ended at, the database's size
 * in pages after it, and the pages it wrote as [page number, offset of that page's object in
 * this file]. A page written by several commits of one file is stored once per distinct image.
 */
export const SEGMENT_MAGIC = Buffer.from('STRSEG01', 'latin1');
const TRAILER_BYTES = 4 + 32 + SEGMENT_MAGIC.length;

export const WalPositionSchema = z.object({
  salt1: z.number().int().nonnegative(),
  salt2: z.number().int().nonnegative(),
  frame: z.number().int().nonnegative(),
  checksum: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
});

const CommitSchema = z.object({
  /** Wall-clock milliseconds when the shipper saw the commit. */
  at: z.number().int().nonnegative(),
  frame: z.number().int().nonnegative(),
  dbPages: z.number().int().positive(),
  pages: z.array(z.tuple([z.number().int().positive(), z.number().int().nonnegative()])),
});

export const SegmentFooterSchema = z.object({
  v: z.literal(1),
  generation: z.string().min(1).max(128),
  first: z.number().int().positive(),
  last: z.number().int().positive(),
  pageSize: z.number().int().min(512).max(65536),
  commits: z.array(CommitSchema).min(1),
  /** Where the WAL stood after the last commit (for shipping to go on from there). */
  end: WalPositionSchema,
  /** Set by thinning: commits in between were folded into the ones kept. */
  thinned: z.boolean().optional(),
});

export type SegmentFooter = z.infer<typeof SegmentFooterSchema>;
export type SegmentCommit = z.infer<typeof CommitSchema>;

/** A commit as the shipper builds it: page images in hand. */
export interface NewCommit {
  at: number;
  frame: number;
  dbPages: number;
  pages: Map<number, Buffer>;
}

export class SegmentDamagedError extends Error {}

/** Builds the bytes of a segment; identical page images share one object. */
export function encodeSegment(head: Omit<SegmentFooter, 'commits' | 'v'>, commits: readonly NewCommit[]): Buffer {
  const parts: Buffer[] = [SEGMENT_MAGIC];
  let offset = SEGMENT_MAGIC.length;
  const byHash = new Map<string, number>();
  const listed: SegmentCommit[] = [];
  for (const c of commits) {
    const pages: [number, number][] = [];
    for (const [pgno, image] of [...c.pages].sort((a, b) => a[0] - b[0])) {
      const key = sha256(image).toString('hex');
      let at = byHash.get(key);
      if (at === undefined) {
        const record = encodeObject(ObjectKind.page, image, true);
        at = offset;
        parts.push(record);
        offset += record.length;
        byHash.set(key, at);
      }
      pages.push([pgno, at]);
    }
    listed.push({ at: c.at, frame: c.frame, dbPages: c.dbPages, pages });
  }
  const footer: SegmentFooter = { v: 1, ...head, commits: listed };
  const json = Buffer.from(JSON.stringify(footer), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(json.length);
  parts.push(json, len);
  const body = Buffer.concat(parts);
  return Buffer.concat([body, sha256(body), SEGMENT_MAGIC]);
}

export function writeSegment(file: string, bytes: Buffer): void {
  writeDurable(file, [bytes]);
}

/** A segment read and checked whole: its checksum, then its footer against the schema. */
export class Segment {
  private constructor(
    readonly file: string,
    readonly footer: SegmentFooter,
    private readonly bytes: Buffer,
  ) {}

  static read(file: string): Segment {
    const bytes = fs.readFileSync(file);
    return Segment.parse(file, bytes);
  }

  static parse(file: string, bytes: Buffer): Segment {
    if (bytes.length < SEGMENT_MAGIC.length + TRAILER_BYTES) throw new SegmentDamagedError('segment is cut short');
    if (!bytes.subarray(0, 8).equals(SEGMENT_MAGIC) || !bytes.subarray(bytes.length - 8).equals(SEGMENT_MAGIC))
      throw new SegmentDamagedError('not a segment, or cut short');
    const bodyEnd = bytes.length - TRAILER_BYTES + 4;
    const body = bytes.subarray(0, bodyEnd);
    if (!sha256(body).equals(bytes.subarray(bodyEnd, bodyEnd + 32)))
      throw new SegmentDamagedError('segment checksum mismatch');
    const jsonLength = bytes.readUInt32BE(bodyEnd - 4);
    const jsonStart = bodyEnd - 4 - jsonLength;
    if (jsonStart < SEGMENT_MAGIC.length) throw new SegmentDamagedError('segment footer length is wrong');
    let footer: SegmentFooter;
    try {
      footer = SegmentFooterSchema.parse(JSON.parse(bytes.subarray(jsonStart, bodyEnd - 4).toString('utf8')));
    } catch {
      throw new SegmentDamagedError('segment footer does not parse');
    }
    for (const c of footer.commits)
      for (const [, off] of c.pages)
        if (off < SEGMENT_MAGIC.length || off >= jsonStart) throw new SegmentDamagedError('page offset out of range');
    return new Segment(file, footer, bytes);
  }

  /** The page image stored at `offset`, decoded (the file's checksum already vouches for it). */
  pageAt(offset: number): Buffer {
    const len = recordLengthOf(this.bytes.subarray(offset, offset + 16));
    if (len === null) throw new SegmentDamagedError(`no page object at offset ${offset}`);
    const content = decodeObject(this.bytes.subarray(offset, offset + len)).content;
    if (content.length !== this.footer.pageSize) throw new SegmentDamagedError('page has the wrong size');
    return content;
  }

  get byteLength(): number {
    return this.bytes.length;
  }
}
