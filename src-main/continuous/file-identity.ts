import fs from 'node:fs';

/** Size, modification time and inode of the database file: what changes when anyone checkpoints. */
export function dbFileIdentity(dbFile: string): string {
  try {
    const s = fs.statSync(dbFile, { bigint: true });
    return `${s.size}:${s.mtimeNs}:${s.ino}`;
  } catch {
    return 'missing';
  }
}
