import { openRaw, type SqliteDatabase } from '../db/connection';
import { writeGeneration, type GapReason, type Generation } from './generations';
import { decideStart } from './start-decision';
import { currentWalHeader, GapError, shipRound } from './ship-round';
import { dbFileIdentity, writeShipperState } from './shipper-state';
import { startOf, type WalPosition } from './wal-file';
import { readWalIndexHeader } from './wal-index';
import { initialShipperStatus, type ShipperStatus, type ShippedRound } from './shipper-types';

/** Makes the full point a new generation starts from; returns its id and where the WAL stood. */
export type TakeBasePoint = (reason: GapReason) => Promise<{ id: string; position: WalPosition | null }>;

export interface ShipperOptions {
  dbFile: string;
  storeDir: string;
  takeBasePoint: TakeBasePoint;
  now?: () => number;
  /** No new frame for this long: fold the WAL into the file (everything shipped first). */
  idleCheckpointMs?: number;
  /** Checkpoint even while busy once the WAL holds this many frames (default 1,000: 4 MiB, the size SQLite cuts the WAL back to, so a restart has nothing to truncate). */
  busyCheckpointFrames?: number;
  /** A transaction bigger than this is not shipped; a new generation starts after it instead. */
  maxRoundPages?: number;
  onRound?: (round: ShippedRound) => void;
}

/**
 * Copies every committed WAL frame into segments, in the style of Litestream, from inside the app.
 * One read transaction (`reader`) is held at all times: while it uses WAL frames, nobody can
 * restart the WAL or checkpoint past it, so frames cannot vanish before they are copied. Strata's
 * connections never checkpoint; this class does, only after shipping (see `checkpoint`).
 * Whatever could hide a commit (a foreign checkpoint, a WAL reset we did not cause, frames that do
 * not check out, a file changed while we were away) ends the generation; the next one starts from
 * a full point.
 */
export class Shipper {
  private reader: SqliteDatabase | null = null;
  /** A checkpoint cannot run inside a transaction, so it gets its own connection. */
  private checkpointer: SqliteDatabase | null = null;
  private generation: Generation | null = null;
  private pos: WalPosition | null = null;
  /** After a clean start from an emptied WAL, the next WAL cycle may have any salts. */
  private anySalts = false;
  private expectRestart = false;
  /** A gap whose new generation could not start yet: retried at `retryAt`. */
  private pendingGap: { reason: GapReason; detail: string; tries: number; retryAt: number } | null = null;
  private identity = '';
  private seq = 0;
  private lastFrameSeenAt = 0;
  private checkpointedAt = -1;
  private readonly now: () => number;
  readonly status: ShipperStatus;

  constructor(private readonly opts: ShipperOptions) {
    this.now = opts.now ?? Date.now;
    this.status = initialShipperStatus();
  }

  private get shm(): string {
    return `${this.opts.dbFile}-shm`;
  }

  /** Picks up where the last run stopped if nothing happened to the file since; else a new generation. */
  async start(): Promise<void> {
    this.openConnections();
    const decision = decideStart(this.opts.dbFile, this.opts.storeDir);
    if (decision.kind === 'new') return this.beginGeneration(decision.reason, decision.detail);
    const gen = decision.generation;
    this.generation = gen;
    this.seq = decision.seq;
    this.identity = decision.identity;
    this.pos = decision.position;
    this.expectRestart = decision.expectRestart;
    this.anySalts = decision.anySalts;
    this.status.generation = gen.id;
    this.status.state = 'running';
    await this.tick();
  }

  private openConnections(): void {
    this.reader ??= openRaw(this.opts.dbFile, { readonly: true, fileMustExist: true });
    this.reader.pragma('busy_timeout = 5000');
    this.checkpointer ??= openRaw(this.opts.dbFile, { fileMustExist: true });
    this.checkpointer.pragma('busy_timeout = 200');
    this.repin();
  }

  /** Ends the held read transaction and starts a new one at the newest commit. */
  private repin(): void {
    const r = this.reader!;
    if (r.inTransaction) r.exec('COMMIT');
    r.exec('BEGIN');
    r.prepare('SELECT count(*) FROM sqlite_master').get();
  }

  /** One round: ship what is new, checkpoint when idle. Never throws; a gap starts a new generation. */
  async tick(): Promise<void> {
    if (this.status.state === 'paused' || this.status.state === 'closed') return;
    if (this.pendingGap) {
      if (this.now() >= this.pendingGap.retryAt)
        await this.beginGeneration(this.pendingGap.reason, this.pendingGap.detail);
      return;
    }
    if (!this.generation) return;
    try {
      this.shipNew();
      const now = this.now();
      const idle = now - this.lastFrameSeenAt >= (this.opts.idleCheckpointMs ?? 1000);
      const framesInWal = this.pos?.frame ?? 0;
      if (framesInWal > 0 && this.checkpointedAt !== framesInWal) {
        if (idle || framesInWal >= (this.opts.busyCheckpointFrames ?? 1000)) this.checkpoint();
      }
      this.status.error = null;
      if (this.status.state === 'error') this.status.state = 'running';
    } catch (e) {
      if (e instanceof GapError) await this.beginGeneration(e.reason, e.message);
      else {
        this.status.state = 'error';
        this.status.error = (e as Error).message;
      }
    }
  }

  /**
   * Ends the current generation and starts the next; if its full point cannot be taken now (a
   * full disk, a busy store), nothing ships into the old generation and it is tried again later,
   * with a growing pause. Never throws: the shipper thread must outlive any one failure.
   */
  private async beginGeneration(reason: GapReason, detail: string): Promise<void> {
    this.generation = null;
    try {
      await this.newGeneration(reason, detail);
      this.pendingGap = null;
    } catch (e) {
      const tries = (this.pendingGap?.tries ?? 0) + 1;
      const wait = Math.min(60_000, 2_000 * 2 ** (tries - 1));
      this.pendingGap = { reason, detail, tries, retryAt: this.now() + wait };
      this.status.state = 'error';
      this.status.error = `A new full point could not be taken (${(e as Error).message}); trying again in ${Math.round(wait / 1000)} s.`;
    }
  }

  /** Copies committed frames after `pos` into one segment, checked against salts and checksums. */
  private shipNew(): void {
    const identity = dbFileIdentity(this.opts.dbFile);
    if (identity !== this.identity)
      throw new GapError('foreign-checkpoint', 'Another program checkpointed the database.');
    const idx = readWalIndexHeader(this.shm);
    if (!idx) throw new Error('The WAL index could not be read.');
    let pos = this.pos!;
    if (idx.salt1 !== pos.salt1 || idx.salt2 !== pos.salt2) {
      const expected = (pos.salt1 + 1) >>> 0;
      if (!this.anySalts && !(this.expectRestart && idx.salt1 === expected))
        throw new GapError('wal-reset', 'The WAL was reset by another program before its frames were copied.');
      if (idx.mxFrame === 0) {
        this.markInSync();
        return;
      }
      const header = currentWalHeader(this.opts.dbFile);
      if (!header || header.salt1 !== idx.salt1 || header.salt2 !== idx.salt2) return; // header not written yet
      pos = startOf(header);
      this.pos = pos;
      this.anySalts = false;
      this.expectRestart = false;
      this.checkpointedAt = -1;
    }
    if (idx.mxFrame < pos.frame) throw new GapError('wal-reset', 'The WAL holds fewer frames than were shipped.');
    if (idx.mxFrame === pos.frame) {
      this.markInSync();
      return;
    }
    for (;;) {
      const at = this.now();
      const round = shipRound({
        dbFile: this.opts.dbFile,
        storeDir: this.opts.storeDir,
        generation: this.generation!.id,
        seq: this.seq + 1,
        from: this.pos!,
        mxFrame: idx.mxFrame,
        at,
        maxRoundPages: this.opts.maxRoundPages ?? 16384,
      });
      this.seq++;
      this.pos = round.end;
      // Frames of this cycle have been shipped: from now on only the expected restart is accepted.
      this.anySalts = false;
      this.lastFrameSeenAt = at;
      const durableAt = this.now();
      this.status.rounds++;
      this.status.commits += round.commits;
      this.status.lastShippedAt = durableAt;
      if (round.complete) this.status.protectedUpTo = at;
      this.opts.onRound?.({
        salt1: round.end.salt1,
        frame: round.end.frame,
        commits: round.commits,
        bytes: round.bytes,
        durableAt,
      });
      if (round.complete) break;
    }
    this.repin();
  }

  private markInSync(): void {
    this.status.protectedUpTo = this.now();
  }

  /**
   * Ships, lets a PASSIVE checkpoint fold frames into the file, ships again, then re-pins.
   * No write lock is needed, so the app's writers never wait on the shipper: while our read
   * transaction holds its place (at or before what was shipped once the first pass is done),
   * the checkpoint copies nothing past it and nobody can restart the WAL, so the second pass
   * still finds every frame appended meanwhile. Only after that does the reader let go; a WAL
   * restart after this point can only drop frames that were both shipped and folded in.
   * Returns whether everything in the WAL is now in the file.
   */
  checkpoint(): boolean {
    this.shipNew();
    const [r] = this.checkpointer!.pragma('wal_checkpoint(PASSIVE)') as {
      busy: number;
      log: number;
      checkpointed: number;
    }[];
    this.identity = dbFileIdentity(this.opts.dbFile);
    this.shipNew();
    this.repin();
    this.expectRestart = true;
    this.checkpointedAt = this.pos!.frame;
    this.saveState(false);
    return !!r && r.busy === 0 && r.checkpointed === r.log;
  }

  private closeConnections(): void {
    for (const c of [this.reader, this.checkpointer]) c?.close();
    this.reader = this.checkpointer = null;
  }

  private saveState(closedCleanly: boolean): void {
    writeShipperState(this.opts.storeDir, {
      generation: this.generation!.id,
      position: this.pos!,
      dbIdentity: this.identity,
      expectRestart: this.expectRestart,
      closedCleanly,
      at: this.now(),
    });
  }

  /** Starts over from a full point. Everything committed before it is in that point. */
  async newGeneration(reason: GapReason, detail: string): Promise<void> {
    this.status.state = 'starting';
    for (let attempt = 1; ; attempt++) {
      const state = this.status.state as ShipperStatus['state'];
      if (state === 'closed' || state === 'paused') return;
      this.repin();
      const before = dbFileIdentity(this.opts.dbFile);
      const base = await this.opts.takeBasePoint(reason);
      const after = dbFileIdentity(this.opts.dbFile);
      const idx = readWalIndexHeader(this.shm);
      if (
        base.position &&
        before === after &&
        idx &&
        idx.salt1 === base.position.salt1 &&
        idx.salt2 === base.position.salt2
      ) {
        const at = this.now();
        this.generation = writeGeneration(this.opts.storeDir, {
          id: base.id,
          startedAt: new Date(at).toISOString(),
          reason,
          detail,
          basePointId: base.id,
          baseAt: at,
          base: base.position,
          pageSize: this.pageSize(),
        });
        this.pos = base.position;
        this.seq = 0;
        this.identity = after;
        // With no frame yet, SQLite picks fresh salts when it writes the first one; nothing can be
        // lost before we see it without a checkpoint, which the file's identity would show.
        this.anySalts = base.position.frame === 0;
        this.expectRestart = idx.nBackfill >= base.position.frame;
        this.checkpointedAt = -1;
        this.status.generation = base.id;
        this.status.state = 'running';
        this.status.protectedUpTo = at;
        if (reason !== 'first-start') this.status.lastGap = { at, reason, detail };
        this.saveState(false);
        return;
      }
      if (attempt >= 5) throw new Error('The database kept changing while the full point was taken.');
    }
  }

  private pageSize(): number {
    return this.reader!.pragma('page_size', { simple: true }) as number;
  }

  /** Before a restore replaces the data: ship and fold in everything, then let go of the file. */
  pause(): void {
    if (this.status.state === 'closed') return;
    try {
      if (this.generation && this.reader) for (let i = 0; i < 20 && !this.checkpoint(); i++);
    } catch {
      // A gap found now changes nothing: a new generation starts after the restore anyway.
    } finally {
      this.status.state = 'paused';
      this.closeConnections();
    }
  }

  /** After a restore (or anything else that replaced the data): a new generation from a full point. */
  async resume(reason: GapReason, detail: string): Promise<void> {
    if (this.status.state === 'closed') return;
    this.status.state = 'starting';
    this.openConnections();
    this.pendingGap = null;
    await this.beginGeneration(reason, detail);
  }

  /** Ships everything, folds the WAL in, and records the state so the next start can go on. */
  close(): void {
    if (this.status.state === 'closed') return;
    let shipped = this.status.state !== 'paused';
    try {
      if (this.generation && this.status.state !== 'paused') {
        for (let i = 0; i < 20 && !this.checkpoint(); i++) {
          // another connection's reader kept the checkpoint from finishing; try again
        }
      }
    } catch {
      // A gap seen at the very end: the state is left as it was, so the next start sees it too.
      shipped = false;
    } finally {
      this.status.state = 'closed';
      const before = dbFileIdentity(this.opts.dbFile);
      this.closeConnections();
      if (shipped && this.generation && this.pos) {
        // The last connection to close folds the WAL in: if that changed the file, frames we
        // never shipped may be in it, and the next start must begin a new generation.
        this.identity = dbFileIdentity(this.opts.dbFile);
        if (this.identity !== before) this.expectRestart = false;
        this.saveState(true);
      }
    }
  }
}
