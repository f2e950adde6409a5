import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { Gzip } from 'fflate';
import { toErrorPayload } from '../core/errors';

/** Compressor half of a streamed export: receives text batches, writes gzip to the given fd. */
const { fd, level, shared } = workerData as { fd: number; level: number; shared: Int32Array };
let bytes = 0;
const gzip = new Gzip({ level: level as 6 }, (chunk) => {
  let off = 0;
  while (off < chunk.length) off += fs.writeSync(fd, chunk, off, chunk.length - off);
  bytes += chunk.length;
});

parentPort!.on('message', (m: { type: 'chunk'; data: Uint8Array } | { type: 'end' }) => {
  try {
    if (m.type === 'chunk') {
      gzip.push(m.data, false);
      Atomics.add(shared, 0, 1);
      Atomics.notify(shared, 0);
    } else {
      gzip.push(new Uint8Array(0), true);
      parentPort!.postMessage({ type: 'done', bytes });
    }
  } catch (e) {
    Atomics.store(shared, 1, 1);
    Atomics.notify(shared, 0);
    parentPort!.postMessage({ type: 'error', ...toErrorPayload(e) });
  }
});
