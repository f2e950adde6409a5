import fs from 'node:fs';
import { z } from 'zod';
import { StrataError } from '../core/errors';
import { writeDurable } from './durable-write';
import { sha256 } from './object-codec';
import { HEX64, MANIFEST_ID, isTempName, manifestFile, type StorePaths } from './store-paths';

/**
 * Page ids per chunk object of a format-1 point (format 2, with delta page lists, replaced chunks:
 * see the format document). 64 ids (2 KiB) cover 256 KiB of a 4 KiB-page database. Measured on
 * 45 points at about 1 % churn: 256 ids per chunk cost 2.62x one gzip copy, 64 ids 2.22x, 32 ids
 * 2.12x; below 64 the manifest's own list of chunk ids grows faster than the chunks shrink.
 */
export const DEFAULT_CHUNK_SIZE = 64;

const hex64 = z.string().regex(HEX64);

export const CheckResultSchema = z.object({
  status: z.enum(['passed', 'damaged', 'could_not_check', 'unchecked']),
  at: z.string().nullable(),
  method: z.string().nullable(),
  problems: z.array(z.string()),
});

export const ManifestMetaSchema = z
  .object({
    schemaVersion: z.number().int().nonnegative(),
    appVersion: z.string(),
    counts: z.record(z.string(), z.number().int().nonnegative()),
    tiers: z.array(z.string()),
    label: z.string().nullable(),
    pinned: z.boolean(),
    check: CheckResultSchema,
  })
  .passthrough();

const pageSizeSchema = z
  .number()
  .int()
  .refine((n) => n >= 512 && n <= 65536 && (n & (n - 1)) === 0, 'page size must be a power of two');

/** Format 1: the page list cut into chunk objects (kind 1) that the manifest names in order. */
const ChunkedManifestSchema = z
  .object({
    format: z.literal(1),
    id: z.string().regex(MANIFEST_ID),
    createdAt: z.string(),
    pageSize: pageSizeSchema,
    pageCount: z.number().int().nonnegative(),
    chunkSize: z.number().int().positive(),
    chunks: z.array(hex64),
    meta: ManifestMetaSchema,
    checksum: hex64,
  })
  .refine((m) => m.chunks.length === Math.ceil(m.pageCount / m.chunkSize), 'chunk count does not fit page count');

/** Format 2: one page-list object (kind 4), whole or a delta against the point before's list. */
const ListedManifestSchema = z.object({
  format: z.literal(2),
  id: z.string().regex(MANIFEST_ID),
  createdAt: z.string(),
  pageSize: pageSizeSchema,
  pageCount: z.number().int().nonnegative(),
  pageList: hex64,
  meta: ManifestMetaSchema,
  checksum: hex64,
});

export const ManifestSchema = z.discriminatedUnion('format', [ChunkedManifestSchema, ListedManifestSchema]);

export type Manifest = z.infer<typeof ManifestSchema>;
export type ChunkedManifest = z.infer<typeof ChunkedManifestSchema>;
export type ListedManifest = z.infer<typeof ListedManifestSchema>;
export type ManifestMeta = z.infer<typeof ManifestMetaSchema>;
export type CheckResult = z.infer<typeof CheckResultSchema>;

/** JSON with keys sorted at every level and no whitespace: the form the checksum is taken over. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

type Unchecked<T> = T extends unknown ? Omit<T, 'checksum'> : never;
export type UncheckedManifest = Unchecked<Manifest>;

export function manifestChecksum(m: UncheckedManifest & { checksum?: string }): string {
  const { checksum: _ignored, ...rest } = m;
  return sha256(Buffer.from(canonicalJson(rest), 'utf8')).toString('hex');
}

export class ManifestDamagedError extends Error {
  constructor(
    readonly manifestId: string,
    message: string,
  ) {
    super(message);
    this.name = 'ManifestDamagedError';
  }
}

/** Parses and checks one manifest file's text. */
export function parseManifest(text: string, manifestId: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ManifestDamagedError(manifestId, 'manifest is not valid JSON');
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ManifestDamagedError(manifestId, `manifest is malformed: ${parsed.error.issues[0]?.message ?? ''}`);
  }
  if (parsed.data.id !== manifestId) throw new ManifestDamagedError(manifestId, 'manifest id does not match its name');
  if (manifestChecksum(parsed.data) !== parsed.data.checksum) {
    throw new ManifestDamagedError(manifestId, 'manifest checksum mismatch');
  }
  return parsed.data;
}

export function writeManifest(paths: StorePaths, m: UncheckedManifest): Manifest {
  const full = { ...m, checksum: manifestChecksum(m) } as Manifest;
  const check = ManifestSchema.safeParse(full);
  if (!check.success) throw new StrataError('invalid_input', `Invalid manifest: ${check.error.issues[0]?.message}`);
  writeDurable(manifestFile(paths, m.id), [Buffer.from(JSON.stringify(full, null, 1) + '\n', 'utf8')]);
  return full;
}

export function listManifestIds(paths: StorePaths): string[] {
  if (!fs.existsSync(paths.manifests)) return [];
  return fs
    .readdirSync(paths.manifests)
    .filter((n) => !isTempName(n) && n.endsWith('.json') && MANIFEST_ID.test(n.slice(0, -5)))
    .map((n) => n.slice(0, -5))
    .sort();
}

export interface ManifestListing {
  manifests: Manifest[];
  damaged: { id: string; reason: string }[];
}

/** Every manifest, oldest first; unreadable ones are listed as damaged, never dropped silently. */
export function readAllManifests(paths: StorePaths): ManifestListing {
  const out: ManifestListing = { manifests: [], damaged: [] };
  for (const id of listManifestIds(paths)) {
    try {
      out.manifests.push(parseManifest(fs.readFileSync(manifestFile(paths, id), 'utf8'), id));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // deleted meanwhile
      out.damaged.push({ id, reason: (e as Error).message });
    }
  }
  out.manifests.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
  return out;
}

/**
 * The page-list roots of a manifest whose checksum failed, when its JSON still parses: GC keeps
 * what they reference, so a flipped metadata byte never gets the pages deleted.
 */
export function salvageRoots(paths: StorePaths, id: string): { chunks: string[] } | { pageList: string } | null {
  try {
    const raw = JSON.parse(fs.readFileSync(manifestFile(paths, id), 'utf8')) as {
      chunks?: unknown;
      pageList?: unknown;
    };
    if (typeof raw.pageList === 'string' && HEX64.test(raw.pageList)) return { pageList: raw.pageList };
    if (!Array.isArray(raw.chunks) || !raw.chunks.every((c) => typeof c === 'string' && HEX64.test(c))) return null;
    return { chunks: raw.chunks as string[] };
  } catch {
    return null;
  }
}
