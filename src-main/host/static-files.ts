import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { resolveRendererPath } from '../core/safe-path';
import { SECURITY_HEADERS, mimeFor, sendPlain } from './responses';

/**
 * The built renderer (dist-renderer/), never a file outside it. Client-side routes (paths
 * without an extension) get the app's page; a missing asset gets a 404.
 */
export async function serveStatic(
  rendererDir: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
): Promise<void> {
  const resolved = resolveRendererPath(rendererDir, url.pathname);
  if (!resolved.ok) return sendPlain(res, resolved.status, resolved.status === 400 ? 'Bad request' : 'Not found');
  let file = resolved.file;
  let stat = fs.statSync(file, { throwIfNoEntry: false });
  if (stat?.isDirectory()) {
    file = path.join(file, 'index.html');
    stat = fs.statSync(file, { throwIfNoEntry: false });
  }
  if (!stat && path.extname(resolved.rel) === '') {
    file = path.join(rendererDir, 'index.html');
    stat = fs.statSync(file, { throwIfNoEntry: false });
  }
  if (!stat || !stat.isFile()) {
    if (!fs.existsSync(path.join(rendererDir, 'index.html'))) {
      return sendPlain(res, 503, "The screens are not built. Run 'npm run build' and start the host again.");
    }
    return sendPlain(res, 404, 'Not found');
  }
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': mimeFor(file),
    'Content-Length': stat.size,
    // Vite names assets by content hash; the page itself must always be fresh.
    'Cache-Control': file.endsWith('.html') ? 'no-store' : 'public, max-age=31536000, immutable',
  });
  if (req.method === 'HEAD') return void res.end();
  await pipeline(fs.createReadStream(file), res);
}
