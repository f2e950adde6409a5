import fs from 'node:fs';
import type http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { StrataError } from '../core/errors';
import type { TransferRegistry } from '../operations/transfer-registry';
import { SECURITY_HEADERS, mimeFor } from './responses';

/** RFC 6266 Content-Disposition with an ASCII fallback and the UTF-8 name. */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/** GET /api/download/<id>: an export the app wrote, as an attachment. */
export async function serveDownload(transfers: TransferRegistry, res: http.ServerResponse, id: string): Promise<void> {
  const entry = transfers.resolve(id);
  // Only files the app produced; an uploaded file is never served back (it could be HTML).
  if (entry.kind !== 'export') throw new StrataError('not_found', 'No such download.');
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    // Exports only, so the type comes from a name the app chose (.json.gz, .md, .json).
    'Content-Type': mimeFor(entry.fileName),
    'Content-Length': entry.bytes,
    'Content-Disposition': contentDisposition(entry.fileName),
    'Cache-Control': 'no-store',
  });
  // pipeline closes the file when the client goes away and reports a vanished file as an error.
  await pipeline(fs.createReadStream(entry.file), res);
}
