import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeDurable } from '../page-store/durable-write';
import { canonicalJson } from '../page-store/manifest';
import { isTempName } from '../page-store/store-paths';
import { GAP_REASONS } from '../contract/continuous-schemas';
import { WalPositionSchema } from './segment-file';

/**
 * A generation is one unbroken run of shipped transactions: a full point in the page store (its
 * base), then segments that replay every commit after it, in order. Anything that could hide a
 * commit from the shipper ends the generation, and the next one starts from a new full point;
 * restore never replays across that gap. Files: `<store>/continuous/<generation id>/`.
 */
export { GAP_REASONS };
export type GapReason = (typeof GAP_REASONS)[number];

export const GenerationSchema = z.object({
  v: z.literal(1),
  id: z.string().regex(/^[0-9A-Za-z_-]{1,128}$/),
  startedAt: z.string(),
  reason: z.enum(GAP_REASONS),
  detail: z.string().max(500),
  /** The page-store point the first segment replays onto. */
  basePointId: z.string().min(1).max(128),
  /** When the base point was read, and where the WAL stood then. */
  baseAt: z.number().int().nonnegative(),
  base: WalPositionSchema,
  pageSize: z.number().int().min(512).max(65536),
  /** After thinning folded old rounds into a new base: the first round still replayed. */
  firstSeq: z.number().int().positive().optional(),
  checksum: z.string().regex(/^[0-9a-f]{64}$/),
});
export type Generation = z.infer<typeof GenerationSchema>;

export function continuousDir(storeDir: string): string {
  return path.join(storeDir, 'continuous');
}

export function generationDir(storeDir: string, id: string): string {
  return path.join(continuousDir(storeDir), id);
}

function checksumOf(g: Omit<Generation, 'checksum'>): string {
  return crypto.createHash('sha256').update(canonicalJson(g)).digest('hex');
}

export function writeGeneration(storeDir: string, g: Omit<Generation, 'checksum' | 'v'>): Generation {
  const full = { v: 1 as const, ...g };
  const withSum: Generation = { ...full, checksum: checksumOf(full) };
  writeDurable(path.join(generationDir(storeDir, g.id), 'generation.json'), [
    Buffer.from(JSON.stringify(withSum, null, 1), 'utf8'),
  ]);
  return withSum;
}

export function readGeneration(storeDir: string, id: string): Generation | null {
  try {
    const parsed = GenerationSchema.parse(
      JSON.parse(fs.readFileSync(path.join(generationDir(storeDir, id), 'generation.json'), 'utf8')),
    );
    const { checksum, ...rest } = parsed;
    return checksumOf(rest) === checksum ? parsed : null;
  } catch {
    return null;
  }
}

/** Generations whose metadata reads back whole, oldest first (ids sort by start time). */
export function listGenerations(storeDir: string): Generation[] {
  let names: string[];
  try {
    names = fs.readdirSync(continuousDir(storeDir));
  } catch {
    return [];
  }
  return names
    .filter((n) => !isTempName(n) && n !== 'state.json')
    .sort()
    .map((n) => readGeneration(storeDir, n))
    .filter((g): g is Generation => g !== null);
}

const pad = (n: number) => String(n).padStart(12, '0');
const SEGMENT_NAME = /^(\d{12})-(\d{12})\.seg$/;

export function segmentFile(storeDir: string, generation: string, first: number, last: number): string {
  return path.join(generationDir(storeDir, generation), `${pad(first)}-${pad(last)}.seg`);
}

export interface SegmentRef {
  first: number;
  last: number;
  file: string;
}

/**
 * A generation's segment files in order. A compacted file covers a range of rounds; the files it
 * replaced may survive a crash before their deletion, and are skipped (and later removed).
 */
export function listSegments(storeDir: string, generation: string): { live: SegmentRef[]; superseded: SegmentRef[] } {
  let names: string[];
  try {
    names = fs.readdirSync(generationDir(storeDir, generation));
  } catch {
    return { live: [], superseded: [] };
  }
  const refs: SegmentRef[] = [];
  for (const n of names) {
    const m = SEGMENT_NAME.exec(n);
    if (!m) continue;
    refs.push({ first: Number(m[1]), last: Number(m[2]), file: path.join(generationDir(storeDir, generation), n) });
  }
  // Widest first at each start, so a compacted range wins over the pieces it replaced.
  refs.sort((a, b) => a.first - b.first || b.last - a.last);
  const live: SegmentRef[] = [];
  const superseded: SegmentRef[] = [];
  let covered = 0;
  for (const r of refs) {
    if (r.last <= covered) superseded.push(r);
    else {
      live.push(r);
      covered = r.last;
    }
  }
  return { live, superseded };
}
