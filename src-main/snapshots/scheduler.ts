// Over 300 lines on purpose: one state machine (queue, timers, retries, pause/abort, catch-up)
// whose rules depend on each other; split, each half would have to know the other's invariants.
import { Cron } from 'croner';
import type { Clock } from '../core/clock';
import { StrataError, toErrorPayload } from '../core/errors';
import type { Logger } from '../core/logger';

export type JobSchedule = { kind: 'interval'; everyMs: number } | { kind: 'cron'; pattern: string };
export type JobOutcome = 'done' | 'skipped';

export interface SchedulerJob {
  name: string;
  /** Read every time the next run is computed, so a getter may follow live settings (then call wake()). */
  schedule: JobSchedule;
  /**
   * Checked before each run and when computing the next run; a disabled job has nextRunAt null.
   * It is checked again whenever another job finishes, so a job waiting for a precondition (a
   * drill waiting for the first snapshot) is armed as soon as that job makes it true.
   */
  enabled(): boolean;
  /** The first run waits at least this long after start(), so start-up stays quick. */
  startDelayMs?: number;
  /**
   * 'skipped' means there was nothing to do (e.g. no change since the last good snapshot); it counts
   * as success. `signal` is aborted by pause() and stop(): a job that works on the live database
   * outside the snapshot engine stops at its next safe point and throws. A run cut short that way
   * is neither a success nor a failure: it runs again once the scheduler resumes.
   */
  run(signal: AbortSignal): Promise<JobOutcome>;
}

export interface JobState {
  /** Start time of the last attempt that returned 'done' or 'skipped'. */
  lastSuccessAt: number | null;
  lastAttemptAt: number | null;
  /** 'failed' only once every retry has failed; while retrying it keeps its previous value. */
  lastResult: 'done' | 'skipped' | 'failed' | null;
  /** Set by every failed attempt, cleared by a success; non-null with lastResult !== 'failed' means "retrying". */
  lastError: string | null;
  /** Failed attempts in a row, retries included. */
  consecutiveFailures: number;
  /** When the job (or its next retry) is due; null when disabled or stopped. */
  nextRunAt: number | null;
}

export interface SchedulerState {
  paused: boolean;
  running: string | null;
  jobs: Record<string, JobState>;
}

export interface SchedulerOptions {
  clock: Clock;
  logger: Logger;
  jobs: SchedulerJob[];
  /** attempts = total tries per run, the first one included. */
  retry: { attempts: number; baseDelayMs: number; maxDelayMs: number };
  initialLastSuccess?: Record<string, number>;
}

/** Long timers are split so a changed or suspended wall clock is noticed within this time. */
const MAX_TIMER_MS = 60 * 60 * 1000;

interface QueueEntry {
  name: string;
  /** 1 for a scheduled run, 2.. for its retries. */
  attempt: number;
  /** Started by runNow: runs even when disabled, never retried, settles the waiters. */
  explicit: boolean;
  waiters: { resolve: (r: JobOutcome) => void; reject: (e: unknown) => void }[];
}

interface JobSlot {
  job: SchedulerJob;
  state: JobState;
  /** End of the last failed run (all retries spent); anchors the next normal run. */
  lastFailureAt: number | null;
  /** Pending retry: the attempt number due at nextRunAt. */
  retryAttempt: number | null;
  timer: { cancel(): void } | null;
}

/**
 * Runs backup jobs one at a time on an injected clock. Missed runs (sleep, app closed, late timers)
 * collapse into one catch-up run per job. Failures retry with exponential backoff, then are recorded
 * in the state and the job returns to its normal schedule.
 */
export class BackupScheduler {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly retry: SchedulerOptions['retry'];
  private readonly slots = new Map<string, JobSlot>();
  private readonly crons = new Map<string, Cron>();
  private readonly queue: QueueEntry[] = [];
  private readonly listeners = new Set<(state: SchedulerState) => void>();
  private started = false;
  private stopped = false;
  private paused = false;
  private running: string | null = null;
  private runningPromise: Promise<void> | null = null;
  private runningAbort: AbortController | null = null;
  private startedAt = 0;

  constructor(options: SchedulerOptions) {
    this.clock = options.clock;
    this.logger = options.logger;
    this.retry = options.retry;
    for (const job of options.jobs) {
      if (this.slots.has(job.name)) throw new StrataError('invalid_schedule', `Duplicate scheduler job "${job.name}".`);
      this.validateSchedule(job);
      const last = options.initialLastSuccess?.[job.name];
      this.slots.set(job.name, {
        job,
        state: {
          lastSuccessAt: typeof last === 'number' && Number.isFinite(last) ? last : null,
          lastAttemptAt: null,
          lastResult: null,
          lastError: null,
          consecutiveFailures: 0,
          nextRunAt: null,
        },
        lastFailureAt: null,
        retryAttempt: null,
        timer: null,
      });
    }
  }

  /** Arms every job; jobs already due (or never run) run once, promptly, one after another. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.startedAt = this.clock.now();
    this.rescheduleAll();
  }

  /** Cancels timers and drops queued runs; resolves once a running job has finished (or stopped early). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.runningAbort?.abort();
    if (!this.started) return;
    this.started = false;
    for (const slot of this.slots.values()) {
      slot.timer?.cancel();
      slot.timer = null;
      slot.retryAttempt = null;
      slot.state.nextRunAt = null;
    }
    for (const entry of this.queue.splice(0)) {
      for (const w of entry.waiters) w.reject(new StrataError('scheduler_stopped', 'Background backups were stopped.'));
    }
    this.emit();
    await this.runningPromise;
  }

  /**
   * Holds every new run (a restore, the machine going to sleep) and asks a running job to stop at
   * its next safe point; resolves once the running job has finished.
   */
  async pause(): Promise<void> {
    if (!this.paused) {
      this.paused = true;
      this.runningAbort?.abort();
      this.emit();
    }
    await this.runningPromise;
  }

  /** Releases a pause; runs that fell due meanwhile run once each. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.emit();
    if (this.started) this.rescheduleAll();
    this.pump();
  }

  /**
   * Call after system resume, a late timer, or a settings change: recomputes every next run from
   * the current clock, and queues ONE catch-up run for each job whose time has passed.
   */
  wake(): void {
    if (!this.started) return;
    this.rescheduleAll();
  }

  /**
   * Runs a job now (after any running job), even if disabled. One attempt, no retry: the promise
   * rejects with the job's error, which is also recorded in the state. Refused while paused.
   */
  runNow(name: string): Promise<JobOutcome> {
    const slot = this.slots.get(name);
    if (!slot) return Promise.reject(new StrataError('not_found', `No scheduled job named "${name}".`));
    if (this.stopped) {
      return Promise.reject(new StrataError('scheduler_stopped', 'Background backups were stopped.'));
    }
    if (this.paused) {
      return Promise.reject(new StrataError('scheduler_paused', 'Background backups are paused right now.'));
    }
    return new Promise<JobOutcome>((resolve, reject) => {
      const queued = this.queue.find((e) => e.name === name);
      if (queued) {
        queued.explicit = true;
        queued.waiters.push({ resolve, reject });
      } else {
        this.queue.push({ name, attempt: 1, explicit: true, waiters: [{ resolve, reject }] });
      }
      slot.timer?.cancel();
      slot.timer = null;
      slot.retryAttempt = null;
      this.emit();
      this.pump();
    });
  }

  state(): SchedulerState {
    const jobs: Record<string, JobState> = {};
    for (const [name, slot] of this.slots) jobs[name] = { ...slot.state };
    return { paused: this.paused, running: this.running, jobs };
  }

  /** Called with the new state after every change; returns an unsubscribe function. */
  onChange(listener: (state: SchedulerState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Next time a cron pattern fires strictly after `from` (local time). */
  nextCronRun(pattern: string, from: number): number | null {
    let cron = this.crons.get(pattern);
    if (!cron) {
      cron = new Cron(pattern, { paused: true });
      this.crons.set(pattern, cron);
    }
    return cron.nextRun(new Date(from))?.getTime() ?? null;
  }

  private validateSchedule(job: SchedulerJob): void {
    const s = job.schedule;
    if (s.kind !== 'cron') return;
    try {
      this.nextCronRun(s.pattern, this.clock.now());
    } catch (e) {
      throw new StrataError(
        'invalid_schedule',
        `Job "${job.name}" has a bad cron pattern "${s.pattern}": ${String(e)}`,
      );
    }
  }

  /** When the next normal (non-retry) run is due. Never-run jobs are due now; null means not scheduled. */
  private dueAt(slot: JobSlot, now: number): number | null {
    if (!this.isEnabled(slot)) return null;
    const anchor = maxOrNull(slot.state.lastSuccessAt, slot.lastFailureAt);
    // A clock set backwards must not push the next run far into the future.
    const from = anchor === null ? null : Math.min(anchor, now);
    try {
      const s = slot.job.schedule;
      let at: number | null;
      if (s.kind === 'cron') at = from === null ? now : this.nextCronRun(s.pattern, from);
      // A zero interval (e.g. drills set to 0 days) means off, never "always due".
      else if (!Number.isFinite(s.everyMs) || s.everyMs <= 0) return null;
      else at = from === null ? now : from + s.everyMs;
      const delay = slot.job.startDelayMs ?? 0;
      return at === null || delay <= 0 ? at : Math.max(at, this.startedAt + delay);
    } catch (e) {
      this.logger.warn('backup job has an unusable schedule; not scheduling it', {
        job: slot.job.name,
        error: String(e),
      });
      return null;
    }
  }

  private rescheduleAll(): void {
    for (const slot of this.slots.values()) this.schedule(slot);
    this.emit();
    this.pump();
  }

  /** (Re)arms one job's timer, or queues it if it is already due. */
  private schedule(slot: JobSlot): void {
    slot.timer?.cancel();
    slot.timer = null;
    const name = slot.job.name;
    if (!this.started || this.running === name || this.queue.some((e) => e.name === name)) return;
    const now = this.clock.now();
    const at =
      slot.retryAttempt !== null && slot.state.nextRunAt !== null ? slot.state.nextRunAt : this.dueAt(slot, now);
    slot.state.nextRunAt = at;
    if (at === null) {
      slot.retryAttempt = null;
      return;
    }
    if (at <= now) {
      this.enqueue(slot);
      return;
    }
    slot.timer = this.clock.setTimeout(
      () => {
        slot.timer = null;
        // A split long wait re-arms; a due (or late) timer queues exactly one run.
        this.schedule(slot);
        this.emit();
        this.pump();
      },
      Math.min(at - now, MAX_TIMER_MS),
    );
  }

  private enqueue(slot: JobSlot): void {
    const attempt = slot.retryAttempt ?? 1;
    slot.retryAttempt = null;
    this.queue.push({ name: slot.job.name, attempt, explicit: false, waiters: [] });
  }

  private isEnabled(slot: JobSlot): boolean {
    try {
      return slot.job.enabled();
    } catch (e) {
      this.logger.warn('backup job enabled() threw; treating as disabled', { job: slot.job.name, error: String(e) });
      return false;
    }
  }

  private pump(): void {
    if (this.running !== null || this.paused) return;
    const entry = this.queue.shift();
    if (!entry) return;
    const slot = this.slots.get(entry.name);
    if (!slot) return this.pump();
    if (!entry.explicit && (!this.started || !this.isEnabled(slot))) {
      this.schedule(slot);
      this.emit();
      return this.pump();
    }
    this.running = entry.name;
    this.runningAbort = new AbortController();
    this.runningPromise = this.execute(slot, entry, this.runningAbort.signal).finally(() => {
      this.running = null;
      this.runningPromise = null;
      this.runningAbort = null;
      this.emit();
      this.pump();
    });
  }

  private async execute(slot: JobSlot, entry: QueueEntry, signal: AbortSignal): Promise<void> {
    const startedAt = this.clock.now();
    const st = slot.state;
    st.lastAttemptAt = startedAt;
    this.emit();
    try {
      const outcome: JobOutcome = (await slot.job.run(signal)) === 'skipped' ? 'skipped' : 'done';
      st.lastSuccessAt = startedAt;
      st.lastResult = outcome;
      st.lastError = null;
      st.consecutiveFailures = 0;
      slot.lastFailureAt = null;
      slot.retryAttempt = null;
      for (const w of entry.waiters) w.resolve(outcome);
    } catch (e) {
      if (signal.aborted) {
        // Cut short by pause() or stop(): not a failure. The job is still due, so it runs again on resume.
        this.logger.info('backup job stopped early for a pause', { job: slot.job.name });
        const why = this.stopped
          ? new StrataError('scheduler_stopped', 'Background backups were stopped.')
          : new StrataError('scheduler_paused', 'Background backups are paused right now.');
        for (const w of entry.waiters) w.reject(why);
        this.running = null;
        this.schedule(slot);
        return;
      }
      const message = toErrorPayload(e).message;
      st.lastError = message;
      st.consecutiveFailures += 1;
      const canRetry = !entry.explicit && this.started && entry.attempt < this.retry.attempts;
      if (canRetry) {
        const delay = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (entry.attempt - 1));
        slot.retryAttempt = entry.attempt + 1;
        st.nextRunAt = this.clock.now() + delay;
        this.logger.warn('backup job failed; will retry', {
          job: slot.job.name,
          attempt: entry.attempt,
          retryInMs: delay,
          error: message,
        });
      } else {
        st.lastResult = 'failed';
        slot.lastFailureAt = this.clock.now();
        slot.retryAttempt = null;
        this.logger.error('backup job failed', { job: slot.job.name, attempts: entry.attempt, error: message });
      }
      for (const w of entry.waiters) w.reject(e);
    }
    // Reschedule once this run no longer counts as running.
    this.running = null;
    this.schedule(slot);
    // This run may have made a waiting job's precondition true (the first snapshot arms the drill).
    for (const other of this.slots.values()) {
      if (other !== slot && other.state.nextRunAt === null && other.timer === null) this.schedule(other);
    }
  }

  private emit(): void {
    if (this.listeners.size === 0) return;
    const snapshot = this.state();
    for (const listener of this.listeners) {
      try {
        listener(snapshot);
      } catch (e) {
        this.logger.warn('scheduler listener threw', { error: String(e) });
      }
    }
  }
}

function maxOrNull(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}
