import { parentPort, workerData } from 'node:worker_threads';
import { gzipSync } from 'fflate';
import { toErrorPayload } from '../core/errors';
import { lowerThisThreadPriority } from '../core/worker-rpc';

/** One compressor of a streamed export: each batch it receives comes back as a complete gzip member. */
const { level } = workerData as { level: number };
lowerThisThreadPriority();

parentPort!.on('message', (m: { seq: number; data: Uint8Array }) => {
  try {
    const member = gzipSync(m.data, { level: level as 6 });
    parentPort!.postMessage({ seq: m.seq, data: member }, [member.buffer as ArrayBuffer]);
  } catch (e) {
    parentPort!.postMessage({ seq: m.seq, error: toErrorPayload(e) });
  }
});
