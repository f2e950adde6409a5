import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { writeFileAtomicSync } from '../core/atomic-file';
import type { Logger } from '../core/logger';
import { StrataError } from '../core/errors';
import { snapshotSidecarSchema, type SnapshotEntry, type SnapshotSidecar, type SnapshotTier } from './sidecar';

/**
 * The backup store on disk:
 *   backups/snapshots/<id>.db.gz   stored snapshot (multi-member gzip of a plain SQLite file)
 *   backups/snapshots/<id>.json    sidecar, written last: a snapshot exists only once its sidecar does
 *   backups/restore-history.json   restores, for undo
 * Later waves add siblings (wal/, chunks/, a mirror) without moving these.
 */
export class SnapshotStore {
  readonly dir: string;
  constructor(
    readonly backupsDir: string,
    private readonly logger: Logger,
  ) {
    this.dir = path.join(backupsDir, 'snapshots');
  }

  ensure(): void {
    fs.mkdirSync(this.dir, { recursive: true });
  }

  newId(tier: SnapshotTier, at: number): string {
    const stamp = new Date(at).toISOString().replace(/[-:.]/g, '').replace('T', 'T');
    return `${stamp}-${tier}-${crypto.randomBytes(3).toString('hex')}`;
  }

  storedPathFor(id: string): string {
    return path.join(this.dir, `${id}.db.gz`);
  }

  sidecarPathFor(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }

  /** The old database a restore set aside, before it is compressed into its snapshot. */
  pendingPathFor(id: string): string {
    return path.join(this.dir, `${id}.pending.db`);
  }

  pendingFiles(): { id: string; file: string }[] {
    if (!fs.existsSync(this.dir)) return [];
    return fs
      .readdirSync(this.dir)
      .filter((n) => n.endsWith('.pending.db') && !n.startsWith('.'))
      .map((n) => ({ id: n.replace(/\.pending\.db$/, ''), file: path.join(this.dir, n) }));
  }

  /** Every snapshot whose sidecar parses and whose stored file exists, newest first. */
  list(): SnapshotEntry[] {
    if (!fs.existsSync(this.dir)) return [];
    const out: SnapshotEntry[] = [];
    for (const name of fs.readdirSync(this.dir)) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      const sidecarPath = path.join(this.dir, name);
      const sidecar = this.readSidecarFile(sidecarPath);
      if (!sidecar) continue;
      const storedPath = path.join(this.dir, sidecar.stored.file);
      if (!fs.existsSync(storedPath)) {
        this.logger.warn('snapshot sidecar without stored file', { sidecarPath });
        continue;
      }
      out.push({ ...sidecar, storedPath, sidecarPath });
    }
    return out.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1));
  }

  get(id: string): SnapshotEntry {
    if (!/^[0-9A-Za-z-]{8,80}$/.test(id)) throw new StrataError('invalid_id', `'${id}' is not a snapshot id.`);
    const sidecarPath = this.sidecarPathFor(id);
    const sidecar = fs.existsSync(sidecarPath) ? this.readSidecarFile(sidecarPath) : null;
    if (!sidecar) throw new StrataError('not_found', `No snapshot with id ${id}. 'strata list' shows the ids.`);
    const storedPath = path.join(this.dir, sidecar.stored.file);
    if (!fs.existsSync(storedPath)) throw new StrataError('not_found', `The stored file of snapshot ${id} is missing.`);
    return { ...sidecar, storedPath, sidecarPath };
  }

  private readSidecarFile(file: string): SnapshotSidecar | null {
    try {
      const parsed = snapshotSidecarSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
      if (!parsed.success) {
        this.logger.warn('unreadable snapshot sidecar', { file, problem: parsed.error.issues[0]?.message });
        return null;
      }
      return parsed.data;
    } catch (e) {
      this.logger.warn('unreadable snapshot sidecar', { file, problem: (e as Error).message });
      return null;
    }
  }

  writeSidecar(sidecar: SnapshotSidecar): void {
    writeFileAtomicSync(this.sidecarPathFor(sidecar.id), JSON.stringify(sidecar, null, 2) + '\n');
  }

  /** Sidecar first, so a crash in between leaves an orphan file (cleaned later), never a listed ghost. */
  remove(id: string): void {
    const entry = this.get(id);
    fs.rmSync(entry.sidecarPath, { force: true });
    fs.rmSync(entry.storedPath, { force: true });
  }

  /**
   * Stored files without a sidecar come from a crash between rename and sidecar write, and temp
   * files from a crash mid-write. Only old ones go: another process may be writing a new one now.
   */
  cleanOrphans(now: number, minAgeMs = 10 * 60 * 1000): number {
    if (!fs.existsSync(this.dir)) return 0;
    const names = new Set(fs.readdirSync(this.dir));
    let removed = 0;
    for (const name of names) {
      const full = path.join(this.dir, name);
      const orphanStored = name.endsWith('.db.gz') && !names.has(name.replace(/\.db\.gz$/, '.json'));
      const temp = name.startsWith('.') && name.endsWith('.tmp');
      if (!orphanStored && !temp) continue;
      try {
        if (now - fs.statSync(full).mtimeMs < minAgeMs) continue;
        fs.rmSync(full, { force: true, recursive: true });
        removed++;
      } catch {
        // vanished meanwhile: fine
      }
    }
    return removed;
  }

  totalStoredBytes(): number {
    return this.list().reduce((n, s) => n + s.stored.sizeBytes, 0);
  }
}
