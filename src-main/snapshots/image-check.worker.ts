import { parentPort, workerData } from 'node:worker_threads';
import { acceptLiveFds } from '../continuous/held-fd';
import type { WalIndexHeader } from '../continuous/wal-index';
import { lowerThisThreadPriority } from '../core/worker-rpc';
import { checkImage, type ImageCheckReply } from './image-check';

/** Checks a snapshot's image beside the snapshot thread (see image-check.ts), then exits. */
const job = workerData as {
  dbFile: string;
  liveFds: Record<string, number>;
  at: WalIndexHeader;
  busyTimeoutMs: number;
};
lowerThisThreadPriority();
acceptLiveFds(job.liveFds);
let reply: ImageCheckReply;
try {
  reply = checkImage(job.dbFile, job.at, job.busyTimeoutMs);
} catch (e) {
  reply = { ok: false, reason: 'failed', message: (e as Error).message };
}
parentPort!.postMessage(reply);
