/**
 * Seeded randomness for tests: the same seed gives the same bytes on every machine and every
 * run, so a test that fails once fails again when replayed. Never use Math.random or
 * crypto.randomBytes for test data.
 */

import { seededRandom } from '../../src-main/db/demo-data';

/** mulberry32 (the demo data's generator): floats in [0, 1). */
export { seededRandom };

/** `length` pseudo-random bytes fixed by `seed`. */
export function seededBytes(seed: number, length: number): Buffer {
  const rand = seededRandom(seed);
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(rand() * 256);
  return out;
}

/**
 * A seed for a randomised test: `process.env[envName]` when set (to replay a reported run),
 * otherwise the fixed `fallback`, so the default run is the same every time.
 */
export function testSeed(envName: string, fallback: number): number {
  const raw = process.env[envName];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new Error(`${envName} must be an integer seed, not ${raw}`);
  return n;
}
