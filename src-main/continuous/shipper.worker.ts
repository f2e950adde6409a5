import { parentPort, workerData } from 'node:worker_threads';
import { acceptLiveFds } from './held-fd';
import { Shipper } from './shipper';
import { storeFileAsBase, takeBasePoint, type ShipperWorkerData } from './base-point';
import { compact } from './compaction-run';
import type { GapReason } from './generations';

/**
 * The shipper's own thread: it wakes every `pollMs`, ships what is new and reports its status.
 * Reading the WAL, hashing and compressing pages and fsyncing segments never touch the app's loop.
 */
const data = workerData as ShipperWorkerData;
acceptLiveFds(data.liveFds);
// A restore replaces the files: base points must read the descriptors lent with the resume.
let liveFds = data.liveFds;
const port = parentPort!;

const shipper = new Shipper({
  dbFile: data.dbFile,
  storeDir: data.storeDir,
  takeBasePoint: (reason) => takeBasePoint({ ...data, liveFds }, reason),
  idleCheckpointMs: data.idleCheckpointMs,
  onRound: (round) => port.postMessage({ type: 'round', round }),
});

type Call =
  | { type: 'call'; id: number; op: 'flush' | 'pause' | 'close' | 'status' }
  | { type: 'call'; id: number; op: 'resume'; reason: GapReason; detail: string; liveFds: Record<string, number> };

let busy: Promise<void> = Promise.resolve();
let closed = false;

/** Rounds and calls run one at a time, in order. */
function serial(work: () => Promise<void> | void): Promise<void> {
  busy = busy.then(work, work);
  return busy;
}

/** Thinning between two rounds; a failure is logged in the status and retried next time. */
async function thin(): Promise<void> {
  if (shipper.status.state !== 'running') return;
  try {
    await compact(data.storeDir, Date.now(), data.thinning, {
      storeBase: (file) => storeFileAsBase(data, file),
      scratchDir: data.scratchDir,
    });
  } catch (e) {
    port.postMessage({ type: 'log', message: `thinning failed: ${(e as Error).message}` });
  }
}

const report = () => port.postMessage({ type: 'status', status: shipper.status });

async function loop(): Promise<void> {
  await serial(() =>
    shipper.start().catch((e: Error) => {
      shipper.status.state = 'error';
      shipper.status.error = e.message;
    }),
  );
  report();
  let compactedAt = Date.now();
  while (!closed) {
    await new Promise((r) => setTimeout(r, data.pollMs));
    if (closed) break;
    // tick() handles its own failures; this only keeps an unforeseen one from ending the thread.
    await serial(() => shipper.tick()).catch((e: Error) => {
      shipper.status.state = 'error';
      shipper.status.error = e.message;
    });
    if (Date.now() - compactedAt >= data.compactEveryMs) {
      compactedAt = Date.now();
      await serial(() => thin());
    }
    report();
  }
}

port.on('message', (msg: Call) => {
  void serial(async () => {
    try {
      if (msg.op === 'flush') await shipper.tick();
      else if (msg.op === 'pause') shipper.pause();
      else if (msg.op === 'resume') {
        acceptLiveFds(msg.liveFds);
        liveFds = msg.liveFds;
        await shipper.resume(msg.reason, msg.detail);
      } else if (msg.op === 'close') {
        closed = true;
        shipper.close();
      }
      report();
      port.postMessage({ type: 'reply', id: msg.id, result: shipper.status });
    } catch (e) {
      report();
      port.postMessage({ type: 'reply', id: msg.id, error: (e as Error).message });
    }
  });
});

void loop();
