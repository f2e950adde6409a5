import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomicSync } from '../core/atomic-file';
import { pointIndexDir } from './fingerprint-cache';
import type { DatabaseFingerprints } from './session-fingerprints';

/**
 * Sessions that recent points hold but the live database does not. For each, the newest point
 * that still holds it, and the window it disappeared in: after that point, before the next
 * newer point (or now, when that point is the newest). The result is kept beside the store,
 * keyed by the points it read and the live change counter, so opening the view again is instant.
 */

export interface PointRefTime {
  pointId: string;
  at: string;
}

export interface DeletedSession {
  sessionId: string;
  title: string;
  messageCount: number;
  lastMessageAt: number | null;
  /** The newest point that holds it: restore from here. */
  lastPoint: PointRefTime;
  /** The next newer point, which no longer holds it; null when it was deleted after the newest point. */
  goneBy: PointRefTime | null;
}

export interface RecentlyDeleted {
  sessions: DeletedSession[];
  pointsExamined: number;
  since: string;
  /** The key the result was computed for. */
  liveChangeCount: number | null;
}

/** `points` newest first, each with its fingerprints; `liveIds` the sessions that exist now. */
export function findDeleted(
  points: readonly { pointId: string; at: string; fingerprints: DatabaseFingerprints }[],
  liveIds: ReadonlySet<string>,
): DeletedSession[] {
  const found = new Map<string, DeletedSession>();
  points.forEach((p, i) => {
    for (const s of p.fingerprints.sessions) {
      if (liveIds.has(s.id) || found.has(s.id)) continue;
      const newer = i > 0 ? points[i - 1]! : null;
      found.set(s.id, {
        sessionId: s.id,
        title: s.title,
        messageCount: s.messageCount,
        lastMessageAt: s.lastMessageAt,
        lastPoint: { pointId: p.pointId, at: p.at },
        goneBy: newer ? { pointId: newer.pointId, at: newer.at } : null,
      });
    }
  });
  // Most recently deleted first: the window that ends latest.
  return [...found.values()].sort((a, b) =>
    a.lastPoint.at < b.lastPoint.at ? 1 : a.lastPoint.at > b.lastPoint.at ? -1 : 0,
  );
}

const cacheSchema = z.object({
  key: z.string(),
  result: z.object({
    sessions: z.array(
      z.object({
        sessionId: z.string(),
        title: z.string(),
        messageCount: z.number(),
        lastMessageAt: z.number().nullable(),
        lastPoint: z.object({ pointId: z.string(), at: z.string() }),
        goneBy: z.object({ pointId: z.string(), at: z.string() }).nullable(),
      }),
    ),
    pointsExamined: z.number(),
    since: z.string(),
    liveChangeCount: z.number().nullable(),
  }),
});

const cacheFile = (backupsDir: string) => path.join(pointIndexDir(backupsDir), 'recently-deleted.json');

export function deletedCacheKey(pointIds: readonly string[], liveChangeCount: number | null, days: number): string {
  return JSON.stringify({ pointIds, liveChangeCount, days });
}

export function readDeletedCache(backupsDir: string, key: string): RecentlyDeleted | null {
  try {
    const parsed = cacheSchema.safeParse(JSON.parse(fs.readFileSync(cacheFile(backupsDir), 'utf8')));
    return parsed.success && parsed.data.key === key ? parsed.data.result : null;
  } catch {
    return null;
  }
}

export function writeDeletedCache(backupsDir: string, key: string, result: RecentlyDeleted): void {
  fs.mkdirSync(pointIndexDir(backupsDir), { recursive: true, mode: 0o700 });
  writeFileAtomicSync(cacheFile(backupsDir), JSON.stringify({ key, result }));
}
