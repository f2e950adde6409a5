import http from 'node:http';
import net from 'node:net';

/**
 * A fault-injecting HTTP proxy between a remote backend and a real server (s3rver, Apache,
 * rclone), on 127.0.0.1 and a free port. Each request is matched against the scripted faults in
 * order; the first that matches (and has hits left) acts on it, otherwise the request goes
 * through untouched. The `Host` header is passed on as the client sent it, so WebDAV's
 * `Destination` checks and S3's signed host still agree.
 */
export type FaultAction =
  /** Answer at once with this status (and body), without asking the server. */
  | { type: 'status'; status: number; body?: string; headers?: Record<string, string> }
  /** Pass the first `afterBytes` of the request body to the server, then drop both connections. */
  | { type: 'reset-upload'; afterBytes: number }
  /** Pass the server's headers and the first `afterBytes` of its body, then drop the connection. */
  | { type: 'truncate-download'; afterBytes: number }
  /** Wait this long before passing the request on (the client's timeout should fire first). */
  | { type: 'slow'; delayMs: number }
  /** Pass on, but with the reply's `Date` header moved by this much (a server clock that is off). */
  | { type: 'clock'; offsetMs: number }
  /** Pass the request on whole, let the server act on it, then drop the connection unanswered. */
  | { type: 'drop-reply' }
  /** Pass on, with one reply header replaced (or removed, with null). */
  | { type: 'reply-header'; name: string; value: string | null };

export interface Fault {
  method?: string;
  path?: RegExp;
  /** How many matching requests it acts on; default 1, `Infinity` for all. */
  times?: number;
  action: FaultAction;
}

export interface ProxyLogEntry {
  method: string;
  path: string;
  fault: FaultAction['type'] | null;
}

export class FaultProxy {
  readonly log: ProxyLogEntry[] = [];
  private faults: (Fault & { left: number })[] = [];
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: http.Server,
    readonly port: number,
    private readonly target: URL,
  ) {}

  /** Starts a proxy to `target` (an `http://127.0.0.1:port` origin). */
  static async start(target: string): Promise<FaultProxy> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new FaultProxy(server, (server.address() as net.AddressInfo).port, new URL(target));
    server.on('request', (req, res) => proxy.handle(req, res));
    server.on('connection', (s) => {
      proxy.sockets.add(s);
      s.on('close', () => proxy.sockets.delete(s));
    });
    return proxy;
  }

  /** The proxy's origin, to put where the server's would go. */
  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A URL on the proxy for a URL on the target (same path). */
  via(url: string): string {
    const u = new URL(url);
    return `${this.origin}${u.pathname}${u.search}`;
  }

  script(...faults: Fault[]): void {
    for (const f of faults) this.faults.push({ ...f, left: f.times ?? 1 });
  }

  clear(): void {
    this.faults = [];
    this.log.length = 0;
  }

  /** How many requests each fault type acted on. */
  hits(type: FaultAction['type']): number {
    return this.log.filter((e) => e.fault === type).length;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private pick(req: http.IncomingMessage): FaultAction | null {
    for (const f of this.faults) {
      if (f.left <= 0) continue;
      if (f.method && f.method !== req.method) continue;
      if (f.path && !f.path.test(decodeURIComponent(req.url ?? ''))) continue;
      f.left--;
      return f.action;
    }
    return null;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const action = this.pick(req);
    this.log.push({ method: req.method ?? '', path: req.url ?? '', fault: action?.type ?? null });
    if (action?.type === 'status') {
      // Read the whole upload first, as a server does before it answers.
      req.resume();
      req.on('end', () => {
        res.writeHead(action.status, { 'content-type': 'application/xml', ...action.headers });
        res.end(req.method === 'HEAD' ? undefined : (action.body ?? ''));
      });
      return;
    }
    if (action?.type === 'slow') {
      const timer = setTimeout(() => this.forward(req, res, null), action.delayMs);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    this.forward(req, res, action);
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, action: FaultAction | null): void {
    if (res.destroyed) return;
    const upstream = http.request({
      host: this.target.hostname,
      port: this.target.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
    });
    upstream.on('error', () => res.destroy());
    upstream.on('response', (up) => {
      if (action?.type === 'drop-reply') {
        up.resume();
        up.on('end', () => res.socket?.destroy());
        return;
      }
      const headers = { ...up.headers };
      if (action?.type === 'clock' && typeof headers.date === 'string') {
        headers.date = new Date(Date.parse(headers.date) + action.offsetMs).toUTCString();
      }
      if (action?.type === 'reply-header') {
        if (action.value === null) delete headers[action.name];
        else headers[action.name] = action.value;
      }
      res.writeHead(up.statusCode ?? 502, headers);
      if (action?.type === 'truncate-download') {
        let sent = 0;
        up.on('data', (chunk: Buffer) => {
          const room = action.afterBytes - sent;
          if (room > 0) res.write(chunk.subarray(0, room));
          sent += chunk.length;
          if (sent >= action.afterBytes) {
            up.destroy();
            res.socket?.destroy();
          }
        });
        up.on('end', () => res.end());
        return;
      }
      up.pipe(res);
    });
    if (action?.type === 'reset-upload') {
      let sent = 0;
      req.on('data', (chunk: Buffer) => {
        const room = action.afterBytes - sent;
        if (room > 0) upstream.write(chunk.subarray(0, room));
        sent += chunk.length;
        if (sent >= action.afterBytes) {
          // The server sees a connection that died mid-body; the client sees a reset.
          upstream.destroy();
          req.socket.destroy();
        }
      });
      return;
    }
    req.pipe(upstream);
  }
}
