import type { ErrorCode } from '../core/errors';
import { RemoteError, networkError, parseRetryAfter, type RetryClass } from './remote-error';
import type { RemoteEnv } from './remote-env';
import type { ServerClock } from './server-clock';

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Uint8Array;
}

export interface HttpReply {
  status: number;
  headers: Headers;
  body: Buffer;
}

/** Replies larger than this are refused: no listing or error page is that large. */
const MAX_REPLY_BYTES = 256 * 1024 * 1024;

/**
 * One request through the injected transport, with a deadline scaled to the bytes it moves, the
 * whole reply read, the server's clock noted from its `Date` header, and a reply shorter than
 * its `Content-Length` treated as a dropped connection (retryable) rather than data.
 */
export async function exchange(
  env: RemoteEnv,
  clock: ServerClock,
  req: HttpRequest,
  what: string,
  expectBytes = 0,
): Promise<HttpReply> {
  const bytes = (req.body?.byteLength ?? 0) + expectBytes;
  const deadline = env.requestTimeoutMs + Math.ceil((bytes / env.minBytesPerSecond) * 1000);
  const abort = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, deadline);
  try {
    const res = await env.transport(req.url, {
      method: req.method,
      // Uncompressed replies, so a reply's length can be checked against its Content-Length
      // (fetch would inflate a compressed one and the lengths would differ).
      headers: { 'accept-encoding': 'identity', ...req.headers },
      body: req.body as BodyInit | undefined,
      signal: abort.signal,
      redirect: 'manual',
    });
    clock.observeDateHeader(res.headers.get('date'), env.now());
    const declared = res.headers.get('content-length');
    const declaredBytes = declared !== null && /^\d+$/.test(declared) ? Number(declared) : null;
    if (declaredBytes !== null && declaredBytes > MAX_REPLY_BYTES) {
      throw new RemoteError('bad_response', `${what}: the reply is too large (${declaredBytes} bytes).`, {
        retry: 'final',
        status: res.status,
      });
    }
    const body = Buffer.from(await res.arrayBuffer());
    const encoded = (res.headers.get('content-encoding') ?? 'identity') !== 'identity';
    if (req.method !== 'HEAD' && !encoded && declaredBytes !== null && body.length !== declaredBytes) {
      throw new RemoteError(
        'remote_unavailable',
        `${what}: the reply was cut short (${body.length} of ${declaredBytes} bytes).`,
        { retry: 'transient', status: res.status },
      );
    }
    return { status: res.status, headers: res.headers, body };
  } catch (e) {
    throw networkError(e, what, timedOut);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What an HTTP error status means for a remote, shared by S3 and WebDAV. `serverCode` is S3's
 * error code when the reply had one.
 */
export function statusError(
  status: number,
  what: string,
  detail: string,
  headers: Headers,
  nowMs: number,
  serverCode?: string,
): RemoteError {
  const retryAfterMs = parseRetryAfter(headers.get('retry-after'), nowMs);
  const said = detail ? ` ${detail}` : '';
  const make = (code: ErrorCode, retry: RetryClass, words: string) =>
    new RemoteError(code, `${what}: ${words} (HTTP ${status}${serverCode ? ` ${serverCode}` : ''}).${said}`, {
      retry,
      status,
      serverCode,
      retryAfterMs,
    });
  if (serverCode === 'RequestTimeTooSkewed') {
    return make('remote_clock_skew', 'skew', "the server refused this computer's clock");
  }
  if (serverCode === 'SlowDown' || status === 429) return make('remote_unavailable', 'throttled', 'asked to slow down');
  if (status === 503) return make('remote_unavailable', 'throttled', 'the server is unavailable');
  if (status === 401 || status === 403) return make('remote_auth', 'final', 'the server refused the credentials');
  if (status === 404) return make('not_found', 'final', 'not found');
  if (status === 412) return make('already_exists', 'final', 'a file of that name already exists');
  if (status === 413) return make('too_large', 'final', 'the server refused a file this large');
  if (status === 423) return make('remote_locked', 'transient', 'the file is locked on the server');
  if (status === 507 || serverCode === 'QuotaExceeded') {
    return make('remote_full', 'final', 'the storage is full or over its quota');
  }
  if (serverCode === 'BadDigest' || serverCode === 'XAmzContentSHA256Mismatch') {
    return make('upload_unverified', 'transient', 'the server received different bytes than were sent');
  }
  if (status === 408 || status === 409 || status >= 500) {
    return make('remote_unavailable', 'transient', 'the server failed');
  }
  return make('remote_refused', 'final', 'the server refused the request');
}
