import fs from 'node:fs';
import type { SqliteDatabase } from './connection';
import { readSchemaVersion } from './migrator';
import { tableCounts } from './strata-database';

export interface DatabaseInfo {
  path: string;
  sizeBytes: number;
  walBytes: number;
  schemaVersion: number;
  journalMode: string;
  pageSize: number;
  pageCount: number;
  freelistCount: number;
  counts: Record<string, number>;
  quickCheck: string;
}

export function databaseInfo(db: SqliteDatabase, file: string): DatabaseInfo {
  const size = (p: string) => (fs.existsSync(p) ? fs.statSync(p).size : 0);
  const check = db.pragma('quick_check') as { quick_check: string }[];
  return {
    path: file,
    sizeBytes: size(file),
    walBytes: size(file + '-wal'),
    schemaVersion: readSchemaVersion(db),
    journalMode: db.pragma('journal_mode', { simple: true }) as string,
    pageSize: db.pragma('page_size', { simple: true }) as number,
    pageCount: db.pragma('page_count', { simple: true }) as number,
    freelistCount: db.pragma('freelist_count', { simple: true }) as number,
    counts: tableCounts(db),
    quickCheck: check.map((r) => r.quick_check).join('; '),
  };
}
