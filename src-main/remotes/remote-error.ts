import { StrataError, type ErrorCode } from '../core/errors';

/**
 * How a failed request should be handled:
 * - `throttled`: the server asked us to slow down (429, 503 SlowDown); retry after a long,
 *   jittered pause.
 * - `transient`: a server error or a dropped connection (500, 502, 504, reset, timeout,
 *   truncated reply); retry after a shorter pause.
 * - `skew`: refused for clock skew; re-sign with the server's time and retry at once.
 * - `final`: retrying cannot help (auth, full, too large, locked, not found, a bad reply).
 */
export type RetryClass = 'throttled' | 'transient' | 'skew' | 'final';

export interface RemoteErrorInfo {
  retry: RetryClass;
  /** The HTTP status, when a server answered. */
  status?: number;
  /** The server's own error code (S3's `SlowDown`, `RequestTimeTooSkewed`). */
  serverCode?: string;
  /** From `Retry-After`, when the server sent one. */
  retryAfterMs?: number;
  /** The server's clock as it reported it in the refusal (for `skew`). */
  serverTime?: Date;
}

/**
 * A failed remote operation. Its message names the operation, the file and the server's
 * answer, and never a credential (each backend scrubs its secrets before building one).
 */
export class RemoteError extends StrataError {
  readonly info: RemoteErrorInfo;
  constructor(code: ErrorCode, message: string, info: RemoteErrorInfo) {
    super(code, message, info);
    this.name = 'RemoteError';
    this.info = info;
  }
  get retry(): RetryClass {
    return this.info.retry;
  }
}

export function isRemoteError(e: unknown): e is RemoteError {
  return e instanceof RemoteError;
}

/** Node's (undici's) network failures, seen through `fetch`'s `TypeError: fetch failed`. */
const OFFLINE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
]);

function causeCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur && typeof cur === 'object'; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Classifies an exception from the transport (no HTTP answer at all). Nothing listens, or the
 * name does not resolve: offline. A connection that dropped or stalled mid-request: transient.
 */
export function networkError(e: unknown, what: string, timedOut: boolean): RemoteError {
  if (e instanceof RemoteError) return e;
  const code = causeCode(e);
  if (timedOut) {
    return new RemoteError('remote_unavailable', `${what}: the server did not answer in time.`, {
      retry: 'transient',
    });
  }
  if (code && OFFLINE_CODES.has(code)) {
    return new RemoteError('offline', `${what}: the server cannot be reached (${code}).`, { retry: 'final' });
  }
  const why = code ?? (e instanceof Error ? e.message : String(e));
  return new RemoteError('remote_unavailable', `${what}: the connection failed (${why}).`, { retry: 'transient' });
}

/** Seconds or an HTTP date in `Retry-After`, as milliseconds from `nowMs`. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : undefined;
}

/** Removes every secret from a text that came from a server or a library before it is shown. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}
