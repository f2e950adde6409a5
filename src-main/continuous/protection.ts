import { Worker } from 'node:worker_threads';
import { workerScriptPath } from '../core/worker-path';
import { lendLiveFds } from './held-fd';
import type { ShipperWorkerData } from './base-point';
import type { GapReason } from './generations';
import { initialShipperStatus, type ShippedRound, type ShipperStatus } from './shipper-types';

export interface ProtectionOptions {
  dbFile: string;
  storeDir: string;
  scratchDir: string;
  appVersion: string;
  /** How often the shipper looks for new commits (default 200 ms: RPO well under a second). */
  pollMs?: number;
  idleCheckpointMs?: number;
  thinning: { keepAllHours: number; perMinuteDays: number };
  compactEveryMs?: number;
  onLog?: (message: string) => void;
  onStatus?: (status: ShipperStatus) => void;
  onRound?: (round: ShippedRound) => void;
}

/**
 * The main thread's handle on the shipper thread. It lends the thread the descriptors it reads
 * the live file through (see held-fd.ts) and forwards its status.
 */
export class ContinuousProtection {
  private status: ShipperStatus = initialShipperStatus();
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (s: ShipperStatus) => void; reject: (e: Error) => void }>();
  private exited = false;

  private constructor(
    private readonly worker: Worker,
    private readonly opts: ProtectionOptions,
  ) {
    worker.on('message', (msg: WorkerMessage) => {
      if (msg.type === 'status') {
        this.status = msg.status;
        opts.onStatus?.(msg.status);
      } else if (msg.type === 'round') opts.onRound?.(msg.round);
      else if (msg.type === 'log') opts.onLog?.(msg.message);
      else if (msg.type === 'reply') {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.error !== undefined) p?.reject(new Error(msg.error));
        else p?.resolve(msg.result);
      }
    });
    const fail = (why: string) => {
      this.exited = true;
      this.status = { ...this.status, state: this.status.state === 'closed' ? 'closed' : 'error', error: why };
      for (const p of this.pending.values()) p.reject(new Error(why));
      this.pending.clear();
    };
    worker.on('error', (e) => fail(`The shipper stopped: ${e.message}`));
    worker.on('exit', () => fail('The shipper thread has ended.'));
  }

  static start(opts: ProtectionOptions): ContinuousProtection {
    const data: ShipperWorkerData = {
      dbFile: opts.dbFile,
      storeDir: opts.storeDir,
      scratchDir: opts.scratchDir,
      liveFds: lendLiveFds(opts.dbFile),
      appVersion: opts.appVersion,
      pollMs: opts.pollMs ?? 200,
      idleCheckpointMs: opts.idleCheckpointMs ?? 1000,
      thinning: opts.thinning,
      compactEveryMs: opts.compactEveryMs ?? 60_000,
    };
    return new ContinuousProtection(new Worker(workerScriptPath('shipper'), { workerData: data }), opts);
  }

  current(): ShipperStatus {
    return this.status;
  }

  /** The shipper thread's busy and idle time so far (ms): busy share = active / (active + idle). */
  utilization(): { active: number; idle: number } {
    const u = this.worker.performance.eventLoopUtilization();
    return { active: u.active, idle: u.idle };
  }

  private call(msg: Record<string, unknown>): Promise<ShipperStatus> {
    if (this.exited) return Promise.resolve(this.status);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'call', id, ...msg });
    });
  }

  /** Ships whatever is committed now; resolves once it is in a fsynced segment. */
  flush(): Promise<ShipperStatus> {
    return this.call({ op: 'flush' });
  }

  /** Before a restore: everything shipped, the WAL folded in, the file let go. */
  pause(): Promise<ShipperStatus> {
    return this.call({ op: 'pause' });
  }

  /** After a restore: a new generation from a full point of what is there now. */
  resume(reason: GapReason, detail: string): Promise<ShipperStatus> {
    return this.call({ op: 'resume', reason, detail, liveFds: lendLiveFds(this.opts.dbFile) });
  }

  /** Ships everything, checkpoints, records where it stopped, and ends the thread. */
  async close(): Promise<void> {
    if (this.exited) return;
    try {
      await this.call({ op: 'close' });
    } finally {
      await this.worker.terminate();
    }
  }
}

type WorkerMessage =
  | { type: 'status'; status: ShipperStatus }
  | { type: 'round'; round: ShippedRound }
  | { type: 'log'; message: string }
  | { type: 'reply'; id: number; result: ShipperStatus; error?: string };
