import { parentPort, workerData } from 'node:worker_threads';
import { lowerThisThreadPriority } from '../core/worker-rpc';
import { encodeBatch, type EncodeReply, type EncodeRequest } from './page-encoder';

/** One compressor of a snapshot's new pages: each batch comes back as its records, in order. */
const { dict } = workerData as { dict: { id: Uint8Array; data: Uint8Array } | null };
const dictionary = dict ? { id: Buffer.from(dict.id), data: Buffer.from(dict.data) } : undefined;
lowerThisThreadPriority();

parentPort!.on('message', (m: EncodeRequest) => {
  let reply: EncodeReply;
  try {
    reply = encodeBatch(m, dictionary);
  } catch (e) {
    parentPort!.postMessage({ seq: m.seq, error: (e as Error).message } satisfies EncodeReply);
    return;
  }
  parentPort!.postMessage(reply, [
    reply.records!.buffer as ArrayBuffer,
    reply.lengths!.buffer as ArrayBuffer,
    reply.againstBase!.buffer as ArrayBuffer,
  ]);
});
