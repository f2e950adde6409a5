import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomicSync } from '../core/atomic-file';
import type { DatabaseFingerprints } from './session-fingerprints';

/**
 * A point never changes once stored, so its fingerprints are computed once and kept beside the
 * store, under `<backups>/point-index/`. A cache file that does not parse is recomputed, never
 * trusted; removing the folder only costs time.
 */
const FORMAT = 1;

const fingerprintsSchema = z.object({
  sessions: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      messageCount: z.number().int().min(0),
      lastMessageAt: z.number().nullable(),
      updatedAt: z.number(),
      rowHash: z.string(),
      messagesHash: z.string(),
    }),
  ),
  settings: z.array(z.object({ key: z.string(), secret: z.boolean(), hash: z.string() })),
  messages: z.number().int().min(0),
});

const fileSchema = z.object({ format: z.literal(FORMAT), pointId: z.string(), fingerprints: fingerprintsSchema });

export function pointIndexDir(backupsDir: string): string {
  return path.join(backupsDir, 'point-index');
}

const fileFor = (backupsDir: string, pointId: string) =>
  path.join(pointIndexDir(backupsDir), `${pointId.replace(/[^\w.-]/g, '_')}.fingerprints.json`);

export function readCachedFingerprints(backupsDir: string, pointId: string): DatabaseFingerprints | null {
  try {
    const parsed = fileSchema.safeParse(JSON.parse(fs.readFileSync(fileFor(backupsDir, pointId), 'utf8')));
    return parsed.success && parsed.data.pointId === pointId ? parsed.data.fingerprints : null;
  } catch {
    return null;
  }
}

export function writeCachedFingerprints(backupsDir: string, pointId: string, fingerprints: DatabaseFingerprints): void {
  fs.mkdirSync(pointIndexDir(backupsDir), { recursive: true, mode: 0o700 });
  writeFileAtomicSync(fileFor(backupsDir, pointId), JSON.stringify({ format: FORMAT, pointId, fingerprints }));
}

/** Drops cache files of points that are no longer in the store. */
export function pruneFingerprintCache(backupsDir: string, keepIds: ReadonlySet<string>): void {
  let names: string[];
  try {
    names = fs.readdirSync(pointIndexDir(backupsDir));
  } catch {
    return;
  }
  const keep = new Set([...keepIds].map((id) => path.basename(fileFor(backupsDir, id))));
  for (const n of names) {
    if (n.endsWith('.fingerprints.json') && !keep.has(n))
      fs.rmSync(path.join(pointIndexDir(backupsDir), n), { force: true });
  }
}
