import type http from 'node:http';
import { fileNameSchema } from '../contract/schemas';
import { StrataError } from '../core/errors';
import type { TransferRegistry } from '../operations/transfer-registry';
import { sendJson } from './responses';

/**
 * POST /api/upload?name=<file>: raw bytes streamed into the transfer folder, refused past
 * `maxBytes` (declared or counted), answered with the transfer id the operations take.
 */
export async function serveUpload(
  transfers: TransferRegistry,
  maxBytes: number,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
): Promise<void> {
  const name = fileNameSchema.safeParse(url.searchParams.get('name') ?? '');
  if (!name.success) throw new StrataError('invalid_input', 'The upload needs ?name= with a plain file name.');
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) {
    req.resume();
    throw new StrataError('too_large', `The file is larger than ${Math.floor(maxBytes / 1024 ** 2)} MiB.`);
  }
  const entry = await transfers.receive(name.data, req, maxBytes);
  sendJson(res, 200, { ok: true, result: { transferId: entry.id, fileName: entry.fileName, bytes: entry.bytes } });
}
