import { z } from 'zod';

/**
 * Every snapshot tier. Sidecars store these names, so never rename one. The contract owns the
 * list so the screens can name tiers without importing snapshot code; the engine imports it
 * from here.
 */
export const TIERS = [
  'startup',
  'auto',
  'hourly',
  'daily',
  'weekly',
  'manual',
  'pre-migration',
  'pre-restore',
] as const;
export type Tier = (typeof TIERS)[number];
export const tierSchema = z.enum(TIERS);
