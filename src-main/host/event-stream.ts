import type http from 'node:http';
import type { StrataEvents } from '../app/events';
import { EVENT_NAMES } from '../contract/events';
import type { Handlers } from '../operations/handlers';
import { SECURITY_HEADERS } from './responses';

export interface EventStreams {
  /** GET /api/events: one server-sent event per app event that fits the contract. */
  serve(req: http.IncomingMessage, res: http.ServerResponse): void;
  /** Ends every open stream (on shutdown). */
  closeAll(): void;
}

/** Comments keep proxies and idle timers from closing a quiet stream. */
const HEARTBEAT_MS = 15_000;

export function createEventStreams(events: StrataEvents, handlers: Handlers): EventStreams {
  const streams = new Set<http.ServerResponse>();
  return {
    serve(req, res) {
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
        events.on(name, (payload: unknown) => {
          // Only what the contract's event schema accepts goes out, in its shape.
          const ev = handlers.toEvent(name, payload);
          if (ev) res.write(`event: ${ev.name}\ndata: ${JSON.stringify(ev.payload)}\n\n`);
        }),
      );
      const beat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
      beat.unref();
      const stop = () => {
        clearInterval(beat);
        for (const off of offs) off();
        streams.delete(res);
      };
      req.on('close', stop);
      res.on('close', stop);
    },
    closeAll() {
      for (const s of streams) s.end();
      streams.clear();
    },
  };
}
