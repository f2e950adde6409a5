import { z } from 'zod';
import { TIERS, type Tier } from './config';

export const SNAPSHOT_FORMAT_VERSION = 1;

export type SnapshotTier = Tier;

const checkResult = z.object({
  ok: z.boolean(),
  at: z.string(),
  method: z.string(),
  problems: z.array(z.string()),
  durationMs: z.number().nonnegative().optional(),
});
export type CheckResult = z.infer<typeof checkResult>;

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
    codec: z.literal('gzip'),
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
});
export type SnapshotSidecar = z.infer<typeof snapshotSidecarSchema>;

export interface SnapshotEntry extends SnapshotSidecar {
  storedPath: string;
  sidecarPath: string;
}
