import type http from 'node:http';
import type net from 'node:net';

export interface RequestTimeouts {
  /** A request whose body sends nothing for this long is cut off. */
  bodyIdleMs: number;
  /** All headers must arrive within this. */
  headersMs: number;
  /** The whole request (headers and body) must arrive within this; bounds a trickling upload. */
  requestMs: number;
}

export const DEFAULT_TIMEOUTS: RequestTimeouts = {
  bodyIdleMs: 30_000,
  headersMs: 30_000,
  // A 2 GiB upload at a crawling 1.2 MB/s still fits; loopback is far faster.
  requestMs: 30 * 60_000,
};

/**
 * Cuts off clients that hold a connection open by sending a request body slowly or not at all
 * (one byte of a declared thousand, then silence). Node's own requestTimeout spans the whole
 * request and is checked only every few seconds, so a socket idle timer catches stalls. The
 * timer is ignored while a request whose body is in awaits its reply: an operation may run for
 * minutes on a silent socket, and an event stream is silent between heartbeats.
 */
export function guardStalledRequests(server: http.Server, timeouts: RequestTimeouts): void {
  server.headersTimeout = timeouts.headersMs;
  server.requestTimeout = timeouts.requestMs;
  const current = new WeakMap<net.Socket, { req: http.IncomingMessage; res: http.ServerResponse }>();
  server.on('connection', (socket: net.Socket) => socket.setTimeout(timeouts.bodyIdleMs));
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    current.set(req.socket, { req, res });
    // Node may have reset the timer for this keep-alive request; the body is not in yet.
    req.socket.setTimeout(timeouts.bodyIdleMs);
  });
  // With a listener here Node no longer destroys timed-out sockets itself (keep-alive ones
  // included), so this decides for every socket.
  server.on('timeout', (socket: net.Socket) => {
    const r = current.get(socket);
    const awaitingReply = !!r && r.req.complete && !r.res.writableFinished;
    if (!awaitingReply) socket.destroy();
  });
}
