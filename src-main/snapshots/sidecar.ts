import crypto from 'node:crypto';
import { z } from 'zod';
import { TIERS, type Tier } from './config';

export const SNAPSHOT_FORMAT_VERSION = 1;

export type SnapshotTier = Tier;

/**
 * `status` tells "the content is wrong" (damaged) from "the check could not run" (unchecked: a
 * full disk, a permission error in the scratch folder). Only damage may ever count against a
 * snapshot; sidecars written before `status` existed derive it from `ok`.
 */
export const CHECK_STATUSES = ['ok', 'damaged', 'unchecked'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

export const checkResultSchema = z.object({
  ok: z.boolean(),
  status: z.enum(CHECK_STATUSES).optional(),
  at: z.string(),
  method: z.string(),
  problems: z.array(z.string()),
  durationMs: z.number().nonnegative().optional(),
});
export type CheckResult = z.infer<typeof checkResultSchema>;
const checkResult = checkResultSchema;

/**
 * The JSON file written next to each stored snapshot. Readers must refuse a formatVersion they
 * do not know; later formats (deduplicated pages, WAL segments, encryption, mirrors) add fields
 * and new `codec`/`storage` values rather than changing these.
 */
export const snapshotSidecarSchema = z.object({
  formatVersion: z.literal(SNAPSHOT_FORMAT_VERSION),
  id: z.string().regex(/^[0-9A-Za-z-]{8,80}$/),
  tier: z.enum(TIERS),
  label: z.string().max(200).nullable(),
  pinned: z.boolean(),
  createdAt: z.string(),
  source: z.object({
    file: z.string(),
    sizeBytes: z.number().int().nonnegative(),
    pageSize: z.number().int().positive(),
    pageCount: z.number().int().nonnegative(),
    fingerprint: z.string(),
  }),
  stored: z.object({
    file: z.string().regex(/^[^/\\]+$/),
    sizeBytes: z.number().int().nonnegative(),
    /** gzip: one `.db.gz` file per snapshot; pages: a manifest in the deduplicated page store. */
    codec: z.enum(['gzip', 'pages']),
    codecOptions: z.object({
      level: z.number().int(),
      memberBytes: z.number().int().positive(),
      members: z.array(z.number().int().positive()).max(1_000_000),
    }),
    encryption: z.null(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  schemaVersion: z.number().int().nonnegative(),
  appVersion: z.string(),
  counts: z.record(z.string(), z.number().int().nonnegative()),
  check: checkResult,
  durationMs: z.number().nonnegative(),
  lastVerify: checkResult.nullable(),
  lastDrill: checkResult.nullable(),
  /**
   * Scheduled tiers this point also stands for. A daily run that finds nothing changed since the
   * last auto snapshot adds itself here instead of storing a second identical copy.
   */
  memberships: z
    .array(z.object({ tier: z.enum(TIERS), at: z.string() }))
    .max(10_000)
    .optional(),
  /** The metadata was rebuilt from the stored file after the original sidecar was lost or damaged. */
  recovered: z.boolean().optional(),
  /** SHA-256 of the sidecar's canonical JSON without this field: a flipped tier or pinned is caught. */
  checksum: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});
export type SnapshotSidecar = z.infer<typeof snapshotSidecarSchema>;

export interface SnapshotEntry extends SnapshotSidecar {
  /** The `.db.gz` file, or the page store's folder. */
  storedPath: string;
  /** The `.json` sidecar, or the manifest. */
  sidecarPath: string;
  storage: 'gzip' | 'pages';
}

export function checkStatusOf(r: Pick<CheckResult, 'ok' | 'status'>): CheckStatus {
  return r.status ?? (r.ok ? 'ok' : 'damaged');
}

/** JSON with object keys sorted at every level, so the checksum does not depend on key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function digest(sidecar: SnapshotSidecar): string {
  const { checksum: _c, ...rest } = sidecar;
  return crypto.createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

export function sealSidecar(sidecar: SnapshotSidecar): SnapshotSidecar {
  return { ...sidecar, checksum: digest(sidecar) };
}

/** Sidecars from before the checksum existed have none and are taken as they are. */
export function sidecarSealIsIntact(sidecar: SnapshotSidecar): boolean {
  return sidecar.checksum === undefined || sidecar.checksum === digest(sidecar);
}
