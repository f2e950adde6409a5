import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { LIMITS } from '../contract/operations';
import { toErrorPayload } from '../core/errors';
import { silentLogger, type Logger } from '../core/logger';
import { createHandlers, type HandlerApp, type Handlers } from '../operations/handlers';
import { TransferRegistry } from '../operations/transfer-registry';
import type { TransferServices } from '../operations/transfer-services';
import { newToken } from './auth';
import { createEventStreams } from './event-stream';
import { sendError } from './responses';
import { createRouter } from './routes';
import { DEFAULT_TIMEOUTS, guardStalledRequests, type RequestTimeouts } from './stalled-requests';

/**
 * The headless host: the built renderer and the contract over HTTP on 127.0.0.1, guarded by a
 * random per-start token. Browsers, end-to-end tests and machines without a display use it.
 * The routes are listed in routes.ts.
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
  /** Shorter limits for tests; the defaults suit a person's browser. */
  timeouts?: Partial<RequestTimeouts>;
}

export interface RunningHost {
  url: string;
  token: string;
  port: number;
  handlers: Handlers;
  close(): Promise<void>;
}

export async function startHost(opts: HostOptions): Promise<RunningHost> {
  const logger = opts.logger ?? silentLogger;
  const token = opts.token ?? newToken();
  const transfers = TransferRegistry.open(opts.app.paths.transfers);
  const handlers = createHandlers(opts.app, { transfers, ...(opts.services ? { services: opts.services } : {}) });
  const streams = createEventStreams(opts.app.events, handlers);
  let port = opts.port;
  const route = createRouter({
    handlers,
    transfers,
    streams,
    rendererDir: path.resolve(opts.rendererDir),
    token,
    maxUploadBytes: opts.maxUploadBytes ?? LIMITS.maxUploadBytes,
    port: () => port,
  });

  const server = http.createServer((req, res) => {
    route(req, res).catch((e: unknown) => {
      logger.warn('host request failed', { url: req.url?.replace(/token=[^&]*/, 'token=…'), error: toErrorPayload(e) });
      if (!res.headersSent) {
        // Do not drain an oversized body we refused: answer and drop the connection.
        if (toErrorPayload(e).code === 'too_large') res.setHeader('Connection', 'close');
        sendError(res, e);
      } else res.destroy();
    });
  });
  guardStalledRequests(server, { ...DEFAULT_TIMEOUTS, ...opts.timeouts });

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
        streams.closeAll();
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => transfers.clear());
      return closing;
    },
  };
}
