import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { StrataError, toErrorPayload, toRendererErrorPayload } from '../core/errors';
import type { Logger } from '../core/logger';
import { silentLogger } from '../core/logger';
import { RENDERER_CSP } from '../contract/csp';
import { EVENT_NAMES } from '../contract/events';
import { createHandlers, statusForError, type HandlerApp, type Handlers } from '../operations/handlers';
import { LIMITS } from '../contract/operations';
import { fileNameSchema } from '../contract/schemas';
import { TransferRegistry } from '../operations/transfer-registry';
import type { TransferServices } from '../operations/transfer-services';

/**
 * The headless host: the built renderer and the contract over HTTP on 127.0.0.1, guarded by a
 * random per-start token. Browsers, end-to-end tests and machines without a display use it.
 *
 *   POST /api/op/<name>           JSON input, Bearer token -> { ok, result } | { ok: false, error }
 *   GET  /api/events?token=       server-sent events: `event: <name>` + `data: <json>`
 *   POST /api/upload?name=<file>  raw bytes, Bearer token -> { ok, result: { transferId, fileName, bytes } }
 *   GET  /api/download/<id>?token= the file, as an attachment
 *   GET  /, static files          dist-renderer/, with a strict CSP
 */
export interface HostOptions {
  app: HandlerApp;
  /** 0 picks a free port. */
  port: number;
  /** The built renderer (dist-renderer/). */
  rendererDir: string;
  logger?: Logger;
  /** Fixed token for tests; a random one otherwise. */
  token?: string;
  services?: TransferServices;
  maxUploadBytes?: number;
}

export interface RunningHost {
  url: string;
  token: string;
  port: number;
  handlers: Handlers;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.gz': 'application/gzip',
};

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': RENDERER_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Compares hashes so neither the content nor the length of the token leaks through timing. */
function tokenMatches(given: string | null | undefined, expected: string): boolean {
  if (typeof given !== 'string' || given.length === 0) return false;
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(data),
    'Cache-Control': 'no-store',
  });
  res.end(data);
}

function sendError(res: http.ServerResponse, e: unknown, status?: number): void {
  const error = toRendererErrorPayload(e);
  sendJson(res, status ?? statusForError(error.code), { ok: false, error });
}

function readJsonBody(req: http.IncomingMessage, maxBytes: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) {
      reject(new StrataError('too_large', 'The request is too large.'));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > maxBytes) {
        failed = true;
        reject(new StrataError('too_large', 'The request is too large.'));
        // Stop reading the rest; the 413 goes out with Connection: close.
        req.pause();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (failed) return;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new StrataError('bad_request', 'The request body is not valid JSON.'));
      }
    });
    req.on('error', (e) => {
      if (!failed) reject(e);
    });
  });
}

/** RFC 6266 Content-Disposition with an ASCII fallback and the UTF-8 name. */
function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

export async function startHost(opts: HostOptions): Promise<RunningHost> {
  const logger = opts.logger ?? silentLogger;
  const token = opts.token ?? crypto.randomBytes(32).toString('hex');
  const rendererDir = path.resolve(opts.rendererDir);
  const maxUpload = opts.maxUploadBytes ?? LIMITS.maxUploadBytes;
  const transfers = TransferRegistry.open(opts.app.paths.transfers);
  const handlers = createHandlers(opts.app, { transfers, ...(opts.services ? { services: opts.services } : {}) });
  const streams = new Set<http.ServerResponse>();
  let port = opts.port;

  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  function serveEvents(req: http.IncomingMessage, res: http.ServerResponse) {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    streams.add(res);
    const offs = EVENT_NAMES.map((name) =>
      opts.app.events.on(name, (payload: unknown) => {
        const ev = handlers.toEvent(name, payload);
        if (ev) res.write(`event: ${ev.name}\ndata: ${JSON.stringify(ev.payload)}\n\n`);
      }),
    );
    // Comments keep proxies and idle timers from closing a quiet stream.
    const beat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    beat.unref();
    const stop = () => {
      clearInterval(beat);
      for (const off of offs) off();
      streams.delete(res);
    };
    req.on('close', stop);
    res.on('close', stop);
  }

  async function serveUpload(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    const name = fileNameSchema.safeParse(url.searchParams.get('name') ?? '');
    if (!name.success) throw new StrataError('invalid_input', 'The upload needs ?name= with a plain file name.');
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxUpload) {
      req.resume();
      throw new StrataError('too_large', `The file is larger than ${Math.floor(maxUpload / 1024 ** 2)} MiB.`);
    }
    const entry = await transfers.receive(name.data, req, maxUpload);
    sendJson(res, 200, { ok: true, result: { transferId: entry.id, fileName: entry.fileName, bytes: entry.bytes } });
  }

  async function serveDownload(res: http.ServerResponse, id: string) {
    const entry = transfers.resolve(id);
    // Only files the app produced; an uploaded file is never served back (it could be HTML).
    if (entry.kind !== 'export') throw new StrataError('not_found', 'No such download.');
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      // Exports only, so the type comes from a name the app chose (.json.gz, .md, .json).
      'Content-Type': MIME[path.extname(entry.fileName).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': entry.bytes,
      'Content-Disposition': contentDisposition(entry.fileName),
      'Cache-Control': 'no-store',
    });
    // pipeline closes the file when the client goes away and reports a vanished file as an error.
    await pipeline(fs.createReadStream(entry.file), res);
  }

  async function serveStatic(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      return sendPlain(res, 400, 'Bad request');
    }
    if (rel.includes('\0')) return sendPlain(res, 400, 'Bad request');
    let file = path.resolve(rendererDir, '.' + path.posix.normalize('/' + rel));
    if (file !== rendererDir && !file.startsWith(rendererDir + path.sep)) return sendPlain(res, 404, 'Not found');
    let stat = fs.statSync(file, { throwIfNoEntry: false });
    if (stat?.isDirectory()) {
      file = path.join(file, 'index.html');
      stat = fs.statSync(file, { throwIfNoEntry: false });
    }
    // Client-side routes (no extension) get the app; missing assets get a 404.
    if (!stat && path.extname(rel) === '') {
      file = path.join(rendererDir, 'index.html');
      stat = fs.statSync(file, { throwIfNoEntry: false });
    }
    if (!stat || !stat.isFile()) {
      if (!fs.existsSync(path.join(rendererDir, 'index.html'))) {
        return sendPlain(res, 503, "The screens are not built. Run 'npm run build' and start the host again.");
      }
      return sendPlain(res, 404, 'Not found');
    }
    const isHtml = file.endsWith('.html');
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': stat.size,
      // Vite names assets by content hash; the page itself must always be fresh.
      'Cache-Control': isHtml ? 'no-store' : 'public, max-age=31536000, immutable',
    });
    if (req.method === 'HEAD') return res.end();
    await pipeline(fs.createReadStream(file), res);
  }

  function sendPlain(res: http.ServerResponse, status: number, text: string) {
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-store',
    });
    res.end(text);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    // DNS rebinding: a page on another name that resolves to 127.0.0.1 must not reach us.
    if (!allowedHosts().has(String(req.headers.host ?? '').toLowerCase())) {
      return sendPlain(res, 421, 'Misdirected request: this host answers only on 127.0.0.1 and localhost.');
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const method = req.method ?? 'GET';
    if (!url.pathname.startsWith('/api/')) {
      if (method !== 'GET' && method !== 'HEAD') return sendPlain(res, 405, 'Method not allowed');
      return serveStatic(req, res, url);
    }

    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins().has(origin)) {
      return sendError(res, new StrataError('forbidden', 'Requests from other sites are refused.'), 403);
    }
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const queryAllowed =
      method === 'GET' && (url.pathname === '/api/events' || url.pathname.startsWith('/api/download/'));
    const given = bearer ?? (queryAllowed ? url.searchParams.get('token') : null);
    if (!tokenMatches(given, token)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return sendError(
        res,
        new StrataError('unauthorized', 'Missing or wrong access token. Open the address `strata serve` printed.'),
        401,
      );
    }

    const opMatch = /^\/api\/op\/([A-Za-z]{1,64})$/.exec(url.pathname);
    if (opMatch) {
      if (method !== 'POST') return sendError(res, new StrataError('bad_request', 'Use POST.'), 405);
      const type = String(req.headers['content-type'] ?? '');
      if (!/^application\/json\b/i.test(type)) {
        return sendError(res, new StrataError('bad_request', 'Send the input as application/json.'), 415);
      }
      const input = await readJsonBody(req, LIMITS.maxJsonBodyBytes);
      const reply = await handlers.run(opMatch[1]!, input);
      return sendJson(res, reply.ok ? 200 : statusForError(reply.error.code), reply);
    }
    if (url.pathname === '/api/events' && method === 'GET') return serveEvents(req, res);
    if (url.pathname === '/api/upload' && method === 'POST') return serveUpload(req, res, url);
    const dl = /^\/api\/download\/([^/]+)$/.exec(url.pathname);
    if (dl && method === 'GET') return serveDownload(res, dl[1]!);
    return sendError(res, new StrataError('not_found', 'No such API route.'), 404);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      logger.warn('host request failed', { url: req.url?.replace(/token=[^&]*/, 'token=…'), error: toErrorPayload(e) });
      if (!res.headersSent) {
        // Do not drain an oversized body we refused: answer and drop the connection.
        if (toErrorPayload(e).code === 'too_large') res.setHeader('Connection', 'close');
        sendError(res, e);
      } else res.destroy();
    });
  });
  server.requestTimeout = 0; // uploads of large archives may take long; idle sockets still time out
  server.headersTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/?token=${token}`;
  logger.info('host listening', { port });

  let closing: Promise<void> | null = null;
  return {
    url,
    token,
    port,
    handlers,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const s of streams) s.end();
        streams.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => transfers.clear());
      return closing;
    },
  };
}
