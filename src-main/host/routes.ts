import type http from 'node:http';
import { LIMITS } from '../contract/operations';
import { StrataError } from '../core/errors';
import type { Handlers } from '../operations/handlers';
import type { TransferRegistry } from '../operations/transfer-registry';
import { apiRefusal, hostAllowed } from './auth';
import { serveDownload } from './download';
import type { EventStreams } from './event-stream';
import { statusForError } from './http-status';
import { readJsonBody } from './json-body';
import { sendError, sendJson, sendPlain } from './responses';
import { serveStatic } from './static-files';
import { serveUpload } from './upload';

export interface RouteContext {
  handlers: Handlers;
  transfers: TransferRegistry;
  streams: EventStreams;
  rendererDir: string;
  token: string;
  maxUploadBytes: number;
  /** The port actually bound (known only after listen when 0 was asked for). */
  port(): number;
}

/**
 * Which request goes where:
 *
 *   POST /api/op/<name>            JSON input, Bearer token -> { ok, result } | { ok: false, error }
 *   GET  /api/events?token=        server-sent events: `event: <name>` + `data: <json>`
 *   POST /api/upload?name=<file>   raw bytes, Bearer token -> { ok, result: { transferId, fileName, bytes } }
 *   GET  /api/download/<id>?token= the file, as an attachment
 *   GET  /, static files           dist-renderer/, with a strict CSP
 */
export function createRouter(ctx: RouteContext) {
  return async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const port = ctx.port();
    if (!hostAllowed(req, port)) {
      return sendPlain(res, 421, 'Misdirected request: this host answers only on 127.0.0.1 and localhost.');
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const method = req.method ?? 'GET';
    if (!url.pathname.startsWith('/api/')) {
      if (method !== 'GET' && method !== 'HEAD') return sendPlain(res, 405, 'Method not allowed');
      return serveStatic(ctx.rendererDir, req, res, url);
    }

    const refusal = apiRefusal(req, url, port, ctx.token);
    if (refusal) {
      if (refusal.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
      return sendError(res, refusal.error, refusal.status);
    }

    const opMatch = /^\/api\/op\/([A-Za-z]{1,64})$/.exec(url.pathname);
    if (opMatch) {
      if (method !== 'POST') return sendError(res, new StrataError('bad_request', 'Use POST.'), 405);
      const type = String(req.headers['content-type'] ?? '');
      if (!/^application\/json\b/i.test(type)) {
        return sendError(res, new StrataError('bad_request', 'Send the input as application/json.'), 415);
      }
      const input = await readJsonBody(req, LIMITS.maxJsonBodyBytes);
      const reply = await ctx.handlers.run(opMatch[1]!, input);
      return sendJson(res, reply.ok ? 200 : statusForError(reply.error.code), reply);
    }
    if (url.pathname === '/api/events' && method === 'GET') return ctx.streams.serve(req, res);
    if (url.pathname === '/api/upload' && method === 'POST') {
      return serveUpload(ctx.transfers, ctx.maxUploadBytes, req, res, url);
    }
    const dl = /^\/api\/download\/([^/]+)$/.exec(url.pathname);
    if (dl && method === 'GET') return serveDownload(ctx.transfers, res, dl[1]!);
    return sendError(res, new StrataError('not_found', 'No such API route.'), 404);
  };
}
