import type { Logger } from '../core/logger';
import { silentLogger } from '../core/logger';

/**
 * A `fetch`-compatible function. Every request of a remote backend goes through the one it is
 * given: the Electron shell passes `net.fetch` (which honours the system's proxy settings), the
 * CLI and host pass Node's `fetch`, tests pass one routed through the fault proxy. No backend
 * reaches for a global.
 */
export type Transport = (url: string, init: RequestInit) => Promise<Response>;

/** How long to wait before retrying, by kind of failure (see `retry.ts`). */
export interface RetryPolicy {
  /** Attempts in all (the first included) for 429 and 503 SlowDown. */
  throttledAttempts: number;
  throttledBaseMs: number;
  throttledCapMs: number;
  /** Attempts in all for 500s, resets, timeouts and truncated replies. */
  transientAttempts: number;
  transientBaseMs: number;
  transientCapMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  throttledAttempts: 8,
  throttledBaseMs: 2_000,
  throttledCapMs: 120_000,
  transientAttempts: 5,
  transientBaseMs: 500,
  transientCapMs: 30_000,
};

/** What a remote backend needs from its surroundings: injectable so tests never wait for real. */
export interface RemoteEnv {
  transport: Transport;
  /** This machine's clock, in ms since the epoch. */
  now: () => number;
  /** In [0, 1): the jitter of back-offs. */
  random: () => number;
  /** Waits between retries. */
  sleep: (ms: number) => Promise<void>;
  logger: Logger;
  retry: RetryPolicy;
  /** A request with no answer after this long (plus time for its bytes) is abandoned and retried. */
  requestTimeoutMs: number;
  /** The slowest upload or download rate still tolerated before the timeout above fires. */
  minBytesPerSecond: number;
}

export type RemoteEnvInput = Pick<RemoteEnv, 'transport'> & Partial<Omit<RemoteEnv, 'transport'>>;

export function remoteEnv(input: RemoteEnvInput): RemoteEnv {
  return {
    now: () => Date.now(),
    random: Math.random,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    logger: silentLogger,
    retry: DEFAULT_RETRY,
    requestTimeoutMs: 60_000,
    minBytesPerSecond: 32 * 1024,
    ...input,
  };
}

/**
 * What a caller may rely on from one remote, beyond the `Backend` interface (whose
 * `honoursIfAbsent` says whether "only if absent" is enforced). The replication engine reads
 * these instead of asking which server it talks to.
 */
export interface RemoteCapabilities {
  /** Replacing a file never leaves its name missing for a moment. */
  atomicReplace: boolean;
  /** `load` with a range fetches only those bytes. */
  rangeReads: boolean;
  /** `FileInfo.modifiedAt` and `serverClock` come from the storage's clock, not this machine's. */
  serverTime: boolean;
}

/** The storage's clock as learned from its replies; see `server-clock.ts`. */
export interface ServerTime {
  /** Storage clock minus this machine's clock in ms, or null before any reply told. */
  readonly offsetMs: number | null;
  /** The storage's time now, by this machine's clock and the learned offset. */
  now(): Date;
}
