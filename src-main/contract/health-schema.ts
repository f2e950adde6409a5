import { z } from 'zod';
import { tierSchema } from './tiers';
import { continuousHealthSchema } from './continuous-schemas';

const timestamp = z.number();

/**
 * What the Backups screen shows at the top. The snapshot engine's health judgement
 * (src-main/snapshots/health.ts) returns exactly this shape, so there is one schema, not a copy.
 */
export const healthReportSchema = z.object({
  status: z.enum(['ok', 'warning', 'error']),
  /** Plain sentences for people, errors first; empty when status is ok. */
  reasons: z.array(z.string()),
  checkedAt: timestamp,
  lastSuccessByTier: z.record(tierSchema, timestamp.nullable()),
  /** Keyed by scheduler job name (tier jobs use the tier name). */
  nextRunByTier: z.record(z.string(), timestamp.nullable()),
  snapshotCount: z.number().int().min(0),
  totalStoredBytes: z.number().min(0),
  oldestAt: timestamp.nullable(),
  newestAt: timestamp.nullable(),
  newestGoodAt: timestamp.nullable(),
  freeBytes: z.number().nullable(),
  totalBytes: z.number().nullable(),
  lastVerify: z.object({ at: timestamp, ok: z.boolean(), id: z.string() }).nullable(),
  lastDrill: z.object({ at: timestamp, ok: z.boolean(), id: z.string(), message: z.string().optional() }).nullable(),
  /** Continuous protection: how far behind it is, and its last gap (absent from older hosts). */
  continuous: continuousHealthSchema.optional(),
  failures: z.array(
    z.object({ job: z.string(), error: z.string(), at: timestamp.nullable(), consecutive: z.number().int().min(0) }),
  ),
});

export type HealthReport = z.infer<typeof healthReportSchema>;
