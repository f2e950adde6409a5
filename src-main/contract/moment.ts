import { z } from 'zod';

/**
 * A moment to restore to, as people type it: an ISO time (`2026-12-01T14:30:00Z`), a local
 * `YYYY-MM-DD HH:MM[:SS]`, or a time back from now (`-30s`, `-5m`, `-2h`, `-1d`). Resolved to
 * milliseconds against `now`, so the CLI and the screens read it the same way.
 */
const RELATIVE = /^-(\d{1,6})([smhd])$/;
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export function parseMoment(text: string, now: number): number | null {
  const t = text.trim();
  const rel = RELATIVE.exec(t);
  if (rel) return now - Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS];
  const local = LOCAL.exec(t);
  if (local) {
    const [, y, mo, d, h, mi, s, ms] = local;
    const date = new Date(
      Number(y),
      Number(mo) - 1,
      Number(d),
      Number(h),
      Number(mi),
      Number(s ?? 0),
      Number((ms ?? '0').padEnd(3, '0')),
    );
    // new Date rolls 2026-02-31 over into March; a date that does not exist is refused instead.
    if (date.getMonth() !== Number(mo) - 1 || date.getDate() !== Number(d)) return null;
    return date.getTime();
  }
  if (/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/.test(t)) {
    const ms = Date.parse(t);
    return Number.isFinite(ms) ? ms : null;
  }
  return null;
}

export const momentTextSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .refine((t) => parseMoment(t, 0) !== null, {
    message: 'use an ISO time (2026-12-01T14:30:00Z), a local "2026-12-01 14:30:00", or -30s, -5m, -2h, -1d',
  });
