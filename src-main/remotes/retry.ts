import { RemoteError, isRemoteError } from './remote-error';
import type { RemoteEnv, RetryPolicy } from './remote-env';

/**
 * The pause before retry number `attempt` (1 for the first retry): exponential up to a cap,
 * with "equal jitter" (half fixed, half random) so a throttled client always waits a good while
 * but many clients do not retry in step. A server's `Retry-After` is a floor.
 */
export function backoffMs(
  kind: 'throttled' | 'transient',
  attempt: number,
  policy: RetryPolicy,
  random: () => number,
  retryAfterMs?: number,
): number {
  const base = kind === 'throttled' ? policy.throttledBaseMs : policy.transientBaseMs;
  const cap = kind === 'throttled' ? policy.throttledCapMs : policy.transientCapMs;
  const exp = Math.min(cap, base * 2 ** (attempt - 1));
  const delay = exp / 2 + random() * (exp / 2);
  return Math.round(Math.max(delay, Math.min(retryAfterMs ?? 0, cap)));
}

/**
 * Runs `attempt` until it succeeds or fails for good:
 * - `throttled` (429, 503 SlowDown) and `transient` (500, resets, timeouts, truncated replies)
 *   are retried after `backoffMs`, up to the policy's number of attempts;
 * - `skew` (refused for clock skew) is retried at once, once, after `onSkew` learned the
 *   server's time; a second refusal becomes `remote_clock_skew`;
 * - everything else (auth, full, too large, not found) is thrown at once: hammering a full or
 *   locked-out account helps nobody.
 */
export async function withRetries<T>(
  env: RemoteEnv,
  what: string,
  attempt: (n: number) => Promise<T>,
  onSkew?: (e: RemoteError) => void,
): Promise<T> {
  let throttled = 0;
  let transient = 0;
  let skewed = false;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (e) {
      if (!isRemoteError(e)) throw e;
      const kind = e.retry;
      if (kind === 'skew') {
        if (skewed || !onSkew) {
          throw new RemoteError('remote_clock_skew', e.message, { ...e.info, retry: 'final' });
        }
        skewed = true;
        onSkew(e);
        env.logger.warn(`${what}: refused for clock skew; signing again with the server's time`);
        continue;
      }
      if (kind === 'final') throw e;
      const count = kind === 'throttled' ? ++throttled : ++transient;
      const limit = kind === 'throttled' ? env.retry.throttledAttempts : env.retry.transientAttempts;
      if (count >= limit) throw e;
      const wait = backoffMs(kind, count, env.retry, env.random, e.info.retryAfterMs);
      env.logger.warn(`${what}: ${e.message} Retry ${count} in ${(wait / 1000).toFixed(1)} s.`);
      await env.sleep(wait);
    }
  }
}
