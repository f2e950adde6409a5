import fs from 'node:fs';
import type { Clock } from '../core/clock';
import type { OpenedPoint } from '../snapshots/engine';

/**
 * The points someone is browsing, materialised once and kept while they look around: a diff,
 * a search and a restore from the same point reuse one private copy. A point goes when the
 * person leaves it, when it has been idle for `idleMs`, when a third point is opened, or when
 * the app quits. One in use (a diff reading it) is never closed under its reader.
 */
interface Entry {
  opening: Promise<OpenedPoint>;
  users: number;
  lastUsed: number;
  idle: { cancel(): void } | null;
}

export class OpenPoints {
  private readonly entries = new Map<string, Entry>();
  private closed = false;

  constructor(
    private readonly open: (id: string) => Promise<OpenedPoint>,
    private readonly clock: Clock,
    private readonly idleMs = 10 * 60_000,
    private readonly maxOpen = 2,
  ) {}

  /** Ids currently open (or opening), for tests and health. */
  openIds(): string[] {
    return [...this.entries.keys()];
  }

  async use<T>(id: string, fn: (point: OpenedPoint) => Promise<T> | T): Promise<T> {
    if (this.closed) throw new Error('the point browser is closed');
    let entry = this.entries.get(id);
    if (!entry) {
      this.evictBeyond(this.maxOpen - 1);
      const opening = this.open(id);
      entry = { opening, users: 0, lastUsed: this.clock.now(), idle: null };
      this.entries.set(id, entry);
      // A failed open leaves nothing cached, so the next try opens again.
      opening.catch(() => {
        if (this.entries.get(id)?.opening === opening) this.entries.delete(id);
      });
    }
    entry.users++;
    entry.idle?.cancel();
    entry.idle = null;
    try {
      return await fn(await entry.opening);
    } finally {
      entry.users--;
      entry.lastUsed = this.clock.now();
      if (entry.users === 0 && this.entries.get(id) === entry) {
        entry.idle = this.clock.setTimeout(() => this.leave(id), this.idleMs);
      }
    }
  }

  /** Closes a point unless someone is still reading it (it then goes when they finish and it idles). */
  leave(id: string): boolean {
    const entry = this.entries.get(id);
    if (!entry || entry.users > 0) return false;
    this.entries.delete(id);
    entry.idle?.cancel();
    void entry.opening.then(release, () => undefined);
    return true;
  }

  private evictBeyond(keep: number): void {
    const idle = [...this.entries.entries()]
      .filter(([, e]) => e.users === 0)
      .sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    while (this.entries.size > keep && idle.length) this.leave(idle.shift()![0]);
  }

  /** App quit: every private copy is removed once its open has settled. */
  async closeAll(): Promise<void> {
    this.closed = true;
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(
      all.map((e) => {
        e.idle?.cancel();
        return e.opening.then(release, () => undefined);
      }),
    );
  }
}

/**
 * The private copy is as big as the database: unlinking it synchronously would block the event
 * loop (about 0.2 s per GiB, measured), so the folder goes in the background first and `close()`
 * then finds nothing left to remove.
 */
async function release(point: OpenedPoint): Promise<void> {
  await fs.promises.rm(point.dir, { recursive: true, force: true }).catch(() => undefined);
  point.close();
}
