import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../core/atomic-file';
import type { Logger } from '../core/logger';
import { StrataError } from '../core/errors';
import {
  sealSidecar,
  sidecarSealIsIntact,
  snapshotSidecarSchema,
  type SnapshotEntry,
  type SnapshotSidecar,
  type SnapshotTier,
} from './sidecar';
import { isSnapshotIdSyntax, newSnapshotId, parseSnapshotId } from './snapshot-id';
import { PagePoints } from './page-points';

/** A snapshot that cannot be read as it should: listed with the reason, never silently dropped. */
export interface DamagedEntry {
  id: string;
  reason: string;
  /** The stored data is still on disk, so its metadata can be rebuilt from it (verify does). */
  recoverable: boolean;
  storedPath: string | null;
  sidecarPath: string | null;
  /** From the id, when the id has the usual form. */
  tier: string | null;
  createdAt: string | null;
  storage: 'gzip' | 'pages';
}

export interface StoreScan {
  /** Newest first. */
  entries: SnapshotEntry[];
  damaged: DamagedEntry[];
}

/**
 * The backup store on disk:
 *   backups/store/                 the deduplicated page store: new snapshots are manifests there
 *                                  (docs/store-format.md)
 *   backups/snapshots/<id>.db.gz   a snapshot of the earlier format (multi-member gzip of a plain
 *   backups/snapshots/<id>.json    SQLite file, and its sidecar): still listed, checked, restored
 *   backups/restore-history.json   restores, for undo
 * Nothing here ever deletes a stored file because its metadata is missing or unreadable: that
 * file may be the only copy of someone's data.
 */
export class SnapshotStore {
  readonly dir: string;
  readonly pages: PagePoints;
  constructor(
    readonly backupsDir: string,
    private readonly logger: Logger,
  ) {
    this.dir = path.join(backupsDir, 'snapshots');
    this.pages = new PagePoints(path.join(backupsDir, 'store'));
  }

  ensure(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  newId(tier: SnapshotTier, at: number): string {
    return newSnapshotId(tier, at);
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
    return this.names()
      .filter((n) => n.endsWith('.pending.db') && !n.startsWith('.'))
      .map((n) => ({ id: n.replace(/\.pending\.db$/, ''), file: path.join(this.dir, n) }));
  }

  private names(): string[] {
    try {
      return fs.readdirSync(this.dir);
    } catch {
      return [];
    }
  }

  /** Every snapshot, and every one that cannot be read with the reason why. */
  scan(): StoreScan {
    const names = new Set(this.names());
    const entries: SnapshotEntry[] = [];
    const damaged: DamagedEntry[] = [];
    const seen = new Set<string>();
    const damage = (id: string, reason: string, storedPath: string | null, sidecarPath: string | null) => {
      const parsed = parseSnapshotId(id);
      damaged.push({
        id,
        reason,
        recoverable: storedPath !== null,
        storedPath,
        sidecarPath,
        tier: parsed?.tier ?? null,
        createdAt: parsed ? new Date(parsed.createdAt).toISOString() : null,
        storage: 'gzip',
      });
    };
    for (const name of names) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      const id = name.slice(0, -'.json'.length);
      seen.add(id);
      const sidecarPath = path.join(this.dir, name);
      const storedGuess = names.has(`${id}.db.gz`) ? path.join(this.dir, `${id}.db.gz`) : null;
      const read = this.readSidecarFile(sidecarPath);
      if (!read.ok) {
        damage(id, `its metadata file is unreadable (${read.problem})`, storedGuess, sidecarPath);
        continue;
      }
      const storedPath = path.join(this.dir, read.sidecar.stored.file);
      seen.add(path.basename(read.sidecar.stored.file, '.db.gz'));
      if (!fs.existsSync(storedPath)) {
        damage(id, 'its stored file is missing', null, sidecarPath);
        continue;
      }
      entries.push({ ...read.sidecar, storedPath, sidecarPath, storage: 'gzip' });
    }
    for (const name of names) {
      if (!name.endsWith('.db.gz') || name.startsWith('.')) continue;
      const id = name.slice(0, -'.db.gz'.length);
      if (seen.has(id)) continue;
      damage(id, 'its metadata file is missing; the stored data is kept', path.join(this.dir, name), null);
    }
    const points = this.pages.scan();
    entries.push(...points.entries);
    damaged.push(...points.damaged);
    entries.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1));
    damaged.sort((a, b) => (a.id < b.id ? 1 : -1));
    return { entries, damaged };
  }

  /** Every readable snapshot, newest first. `scan()` also says which ones could not be read. */
  list(): SnapshotEntry[] {
    return this.scan().entries;
  }

  damaged(): DamagedEntry[] {
    return this.scan().damaged;
  }

  get(id: string): SnapshotEntry {
    if (!isSnapshotIdSyntax(id)) throw new StrataError('invalid_id', `'${id}' is not a snapshot id.`);
    const sidecarPath = this.sidecarPathFor(id);
    if (!fs.existsSync(sidecarPath) && this.pages.has(id)) return this.pages.get(id);
    if (!fs.existsSync(sidecarPath)) {
      if (fs.existsSync(this.storedPathFor(id)))
        throw new StrataError(
          'snapshot_damaged',
          `Snapshot ${id} has lost its metadata file. Run 'strata verify --all' to rebuild it from the stored data.`,
        );
      throw new StrataError('not_found', `No snapshot with id ${id}. 'strata list' shows the ids.`);
    }
    const read = this.readSidecarFile(sidecarPath);
    if (!read.ok)
      throw new StrataError(
        'snapshot_damaged',
        `The metadata of snapshot ${id} is unreadable (${read.problem}). Run 'strata verify --all' to rebuild it.`,
      );
    const storedPath = path.join(this.dir, read.sidecar.stored.file);
    if (!fs.existsSync(storedPath))
      throw new StrataError('snapshot_damaged', `The stored file of snapshot ${id} is missing.`);
    return { ...read.sidecar, storedPath, sidecarPath, storage: 'gzip' };
  }

  private readSidecarFile(file: string): { ok: true; sidecar: SnapshotSidecar } | { ok: false; problem: string } {
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      return { ok: false, problem: (e as Error).message.split('\n')[0] ?? 'not JSON' };
    }
    const parsed = snapshotSidecarSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { ok: false, problem: `${issue?.path.join('.') || 'file'}: ${issue?.message ?? 'invalid'}` };
    }
    if (!sidecarSealIsIntact(parsed.data)) return { ok: false, problem: 'its checksum does not match its content' };
    if (`${parsed.data.id}.json` !== path.basename(file)) return { ok: false, problem: 'it names another snapshot' };
    return { ok: true, sidecar: parsed.data };
  }

  /**
   * Seals the sidecar with its checksum, writes it atomically and reads it back: a snapshot is
   * only reported as written once its metadata was read from disk intact.
   */
  writeSidecar(sidecar: SnapshotSidecar): SnapshotSidecar {
    const sealed = sealSidecar(sidecar);
    const file = this.sidecarPathFor(sidecar.id);
    writeFileAtomicSync(file, JSON.stringify(sealed, null, 2) + '\n');
    const back = this.readSidecarFile(file);
    if (!back.ok)
      throw new StrataError('disk_full', `The snapshot metadata did not read back intact (${back.problem}).`);
    return back.sidecar;
  }

  /**
   * Changes a snapshot's metadata (memberships, check results, pinned): a gzip snapshot's sidecar,
   * or a point's manifest under the page store's writer lock.
   */
  async update(id: string, change: (current: SnapshotSidecar) => SnapshotSidecar): Promise<SnapshotSidecar> {
    if (this.pages.has(id) && !fs.existsSync(this.sidecarPathFor(id))) return this.pages.update(id, change);
    const { storedPath: _s, sidecarPath: _p, storage: _k, ...sidecar } = this.get(id);
    return this.writeSidecar(change(sidecar));
  }

  /**
   * A gzip snapshot: sidecar first, so a crash in between leaves stored data that is listed as
   * recoverable. A point: its manifest; its pages go at the next GC if nothing else uses them.
   */
  async remove(id: string): Promise<void> {
    if (this.pages.has(id)) await this.pages.remove([id]);
    fs.rmSync(this.sidecarPathFor(id), { force: true });
    fs.rmSync(this.storedPathFor(id), { force: true });
  }

  /**
   * Temp files come from a crash mid-write; only old ones go, as another process may be writing
   * a new one now. Stored files without metadata are never removed here: they are listed as
   * damaged and `verify` rebuilds their metadata.
   */
  cleanOrphans(now: number, minAgeMs = 10 * 60 * 1000): number {
    let removed = 0;
    // Also the private page copies a snapshot makes in scratch/ when the WAL is not empty.
    const scratch = path.join(this.backupsDir, 'scratch');
    const candidates = [
      ...this.names().map((n) => path.join(this.dir, n)),
      ...(fs.existsSync(scratch) ? fs.readdirSync(scratch).map((n) => path.join(scratch, n)) : []),
    ];
    for (const full of candidates) {
      const name = path.basename(full);
      if (!(name.startsWith('.') && /\.tmp(-journal|-wal|-shm)?$/.test(name))) continue;
      try {
        if (now - fs.statSync(full).mtimeMs < minAgeMs) continue;
        fs.rmSync(full, { force: true, recursive: true });
        removed++;
      } catch {
        // vanished meanwhile: fine
      }
    }
    if (removed) this.logger.info('removed leftovers of interrupted snapshot writes', { removed });
    return removed;
  }

  totalStoredBytes(): number {
    return this.list().reduce((n, s) => n + s.stored.sizeBytes, 0);
  }
}
