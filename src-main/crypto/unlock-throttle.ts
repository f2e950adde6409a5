import { z } from 'zod';
import { isStrataError, StrataError } from '../core/errors';

/**
 * Slows passphrase guessing through Strata itself (the screens, `strata serve`'s API, the CLI):
 * after 5 wrong passphrases in a row, each further try must wait 5 s, then 10, 20, ... up to
 * 5 minutes, counted from the last wrong try. A right passphrase or recovery key resets it.
 *
 * Why it is kept in a file, and written before the try: the count must survive a restart, or
 * running the CLI again would reset it; and a try is recorded as wrong *before* scrypt runs and
 * cleared only when it succeeds, so killing the process once it is clearly failing (kill -9
 * during scrypt) still counts. A try made too early is refused with `too_many_attempts` and the
 * wait, rather than held open: a person sees how long, the host holds no request, and nothing
 * sleeps.
 *
 * What it cannot do: someone who can read the backup folder can copy the key files and guess
 * offline at whatever speed scrypt allows; scrypt's cost (about 2 s and 128 MiB per guess) is
 * that defence, not this. Two processes racing on the same log may each let one try through;
 * within one process tries are queued one at a time. Recovery keys are not throttled: 256 random
 * bits cannot be guessed, and their check characters catch typos before any try.
 */
export interface AttemptLog {
  /** The log's text, or null when there is none yet. */
  read(): Promise<string | null>;
  /** Replaces the log durably (temp file, fsync, rename). */
  write(text: string): Promise<void>;
}

export interface ThrottleOptions {
  now?: () => number;
  freeTries?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

const logSchema = z.object({ v: z.literal(1), failures: z.number().int().min(0), lastAt: z.number() });
type LogState = z.infer<typeof logSchema>;

export class UnlockThrottle {
  readonly #log: AttemptLog;
  readonly #now: () => number;
  readonly #free: number;
  readonly #base: number;
  readonly #max: number;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(log: AttemptLog, options: ThrottleOptions = {}) {
    this.#log = log;
    this.#now = options.now ?? Date.now;
    this.#free = options.freeTries ?? 5;
    this.#base = options.baseDelayMs ?? 5_000;
    this.#max = options.maxDelayMs ?? 300_000;
  }

  /** Milliseconds until the next try is allowed (0 when it is allowed now). */
  async waitMs(): Promise<number> {
    return this.#waitFor(await this.#read());
  }

  /**
   * Runs one try. `tryIt` throws a `wrong_passphrase` StrataError for a wrong passphrase; any
   * other error leaves the count as it was before this try.
   */
  attempt<T>(tryIt: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => this.#attempt(tryIt));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #attempt<T>(tryIt: () => Promise<T>): Promise<T> {
    const before = await this.#read();
    const wait = this.#waitFor(before);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      throw new StrataError(
        'too_many_attempts',
        `${before.failures} wrong passphrases in a row: wait ${seconds} s before the next try, or use the recovery key.`,
        { retryAfterMs: wait },
      );
    }
    await this.#write({ v: 1, failures: before.failures + 1, lastAt: this.#now() });
    let result: T;
    try {
      result = await tryIt();
    } catch (e) {
      if (!(isStrataError(e) && e.code === 'wrong_passphrase')) await this.#write(before);
      throw e;
    }
    await this.reset();
    return result;
  }

  /** Clears the count (after any successful unlock, with a passphrase or a recovery key). */
  async reset(): Promise<void> {
    await this.#write({ v: 1, failures: 0, lastAt: 0 });
  }

  #waitFor(state: LogState): number {
    if (state.failures < this.#free) return 0;
    const delay = Math.min(this.#base * 2 ** (state.failures - this.#free), this.#max);
    const now = this.#now();
    // A clock set back must not stretch the wait past one full delay from now.
    const from = Math.min(state.lastAt, now);
    return Math.max(0, from + delay - now);
  }

  async #read(): Promise<LogState> {
    const text = await this.#log.read();
    if (text === null) return { v: 1, failures: 0, lastAt: 0 };
    try {
      return logSchema.parse(JSON.parse(text));
    } catch {
      // A damaged log must not let tries through faster: it counts as the last free try failed now.
      return { v: 1, failures: this.#free, lastAt: this.#now() };
    }
  }

  async #write(state: LogState): Promise<void> {
    await this.#log.write(JSON.stringify(state) + '\n');
  }
}
