// Cron tiers fire at local midnight: pin the zone before any Date is created.
process.env.TZ = 'Europe/Berlin';

import { format } from 'date-fns';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src-main/core/clock';
import { silentLogger } from '../../src-main/core/logger';
import { BackupScheduler, type JobSchedule, type SchedulerJob } from '../../src-main/snapshots/scheduler';

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const retry = { attempts: 3, baseDelayMs: 30 * SEC, maxDelayMs: 15 * MIN };

/** Lets queued job promises and their follow-ups settle; no real time passes. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Moves the manual clock in steps, letting runs finish between timers. */
async function advance(clock: ManualClock, ms: number, step = MIN): Promise<void> {
  for (let left = ms; left > 0; left -= step) {
    clock.advance(Math.min(step, left));
    await settle();
  }
}

interface RecordingJob extends SchedulerJob {
  runs: number[];
}

function job(
  clock: ManualClock,
  name: string,
  schedule: JobSchedule,
  behaviour: (n: number) => Promise<'done' | 'skipped'> = async () => 'done',
  enabled = () => true,
): RecordingJob {
  const runs: number[] = [];
  return {
    name,
    schedule,
    enabled,
    runs,
    run: () => {
      runs.push(clock.now());
      return behaviour(runs.length);
    },
  };
}

function deferred() {
  let resolve!: (v: 'done' | 'skipped') => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<'done' | 'skipped'>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('BackupScheduler', () => {
  it('runs a never-run interval job at start, then every interval', async () => {
    const clock = new ManualClock(Date.parse('2026-11-23T09:00:00Z'));
    const auto = job(clock, 'auto', { kind: 'interval', everyMs: 15 * MIN });
    const s = new BackupScheduler({ clock, logger: silentLogger, jobs: [auto], retry });
    s.start();
    await settle();
    expect(auto.runs).toEqual([Date.parse('2026-11-23T09:00:00Z')]);
    expect(s.state().jobs.auto).toMatchObject({ lastResult: 'done', nextRunAt: Date.parse('2026-11-23T09:15:00Z') });
    await advance(clock, 45 * MIN);
    expect(auto.runs.map((t) => new Date(t).toISOString().slice(11, 16))).toEqual(['09:00', '09:15', '09:30', '09:45']);
  });

  it('on start, a job overdue by many slots runs once, not once per missed slot', async () => {
    const start = Date.parse('2026-11-23T09:00:00Z');
    const clock = new ManualClock(start);
    const auto = job(clock, 'auto', { kind: 'interval', everyMs: 15 * MIN });
    const hourly = job(clock, 'hourly', { kind: 'cron', pattern: '0 * * * *' });
    const s = new BackupScheduler({
      clock,
      logger: silentLogger,
      jobs: [auto, hourly],
      retry,
      initialLastSuccess: { auto: start - 5 * HOUR, hourly: start - 5 * HOUR },
    });
    s.start();
    await settle();
    await advance(clock, 10 * MIN);
    expect(auto.runs).toEqual([start]);
    expect(hourly.runs).toEqual([start]);
    expect(s.state().jobs.hourly!.nextRunAt).toBe(Date.parse('2026-11-23T10:00:00Z'));
  });

  it('after a clock jump (sleep), wake() runs exactly one catch-up per job', async () => {
    const start = Date.parse('2026-11-23T09:00:00Z');
    const clock = new ManualClock(start);
    const auto = job(clock, 'auto', { kind: 'interval', everyMs: 15 * MIN });
    const hourly = job(clock, 'hourly', { kind: 'cron', pattern: '0 * * * *' });
    const daily = job(clock, 'daily', { kind: 'cron', pattern: '0 0 * * *' });
    const s = new BackupScheduler({
      clock,
      logger: silentLogger,
      jobs: [auto, hourly, daily],
      retry,
      initialLastSuccess: { auto: start, hourly: start, daily: Date.parse('2026-11-22T23:00:00Z') },
    });
    s.start();
    await settle();
    expect([auto.runs.length, hourly.runs.length, daily.runs.length]).toEqual([0, 0, 0]);

    clock.jump(2 * 24 * HOUR + 3 * HOUR); // asleep for two days and three hours
    s.wake();
    s.wake(); // a resume event and a late timer may both report the same sleep
    await settle();
    const woke = clock.now();
    expect(auto.runs).toEqual([woke]);
    expect(hourly.runs).toEqual([woke]);
    expect(daily.runs).toEqual([woke]);
    // No burst afterwards either.
    await advance(clock, 5 * MIN);
    expect([auto.runs.length, hourly.runs.length, daily.runs.length]).toEqual([1, 1, 1]);
    const st = s.state().jobs;
    expect(st.auto!.nextRunAt).toBe(woke + 15 * MIN);
    expect(st.hourly!.nextRunAt).toBe(Date.parse('2026-11-25T13:00:00Z'));
    expect(st.daily!.nextRunAt).toBe(Date.parse('2026-11-25T23:00:00Z'));
  });

  it('late timers after a jump also give one run per job, without wake()', async () => {
    const start = Date.parse('2026-11-23T09:00:00Z');
    const clock = new ManualClock(start);
    const auto = job(clock, 'auto', { kind: 'interval', everyMs: 15 * MIN });
    const hourly = job(clock, 'hourly', { kind: 'cron', pattern: '0 * * * *' });
    const s = new BackupScheduler({
      clock,
      logger: silentLogger,
      jobs: [auto, hourly],
      retry,
      initialLastSuccess: { auto: start, hourly: start },
    });
    s.start();
    clock.jump(6 * HOUR);
    clock.advance(0); // the overdue timers fire now, late
    await settle();
    expect(auto.runs).toEqual([start + 6 * HOUR]);
    expect(hourly.runs).toEqual([start + 6 * HOUR]);
  });

  it('retries with exponential backoff, then records the failure and returns to the schedule', async () => {
    const start = Date.parse('2026-11-23T09:00:00Z');
    const clock = new ManualClock(start);
    let failUntil = 3;
    const auto = job(clock, 'auto', { kind: 'interval', everyMs: 15 * MIN }, async (n) => {
      if (n <= failUntil) throw new Error(`disk went away (${n})`);
      return 'done';
    });
    const s = new BackupScheduler({ clock, logger: silentLogger, jobs: [auto], retry });
    s.start();
    await settle();
    // First failure: retrying, not yet a recorded failure.
    expect(s.state().jobs.auto).toMatchObject({
      lastResult: null,
      lastError: 'disk went away (1)',
      consecutiveFailures: 1,
      nextRunAt: start + 30 * SEC,
    });
    await advance(clock, 2 * MIN, 10 * SEC);
    expect(auto.runs).toEqual([start, start + 30 * SEC, start + 90 * SEC]);
    const failed = s.state().jobs.auto!;
    expect(failed).toMatchObject({
      lastResult: 'failed',
      lastError: 'disk went away (3)',
      consecutiveFailures: 3,
      lastAttemptAt: start + 90 * SEC,
      lastSuccessAt: null,
      nextRunAt: start + 90 * SEC + 15 * MIN,
    });
    // Back on the normal schedule: the next run succeeds and clears the failure.
    failUntil = 0;
    await advance(clock, 15 * MIN, 10 * SEC);
    expect(auto.runs).toHaveLength(4);
    expect(s.state().jobs.auto).toMatchObject({ lastResult: 'done', lastError: null, consecutiveFailures: 0 });
  });

  it('caps the backoff delay at maxDelayMs', async () => {
    const start = Date.parse('2026-11-23T09:00:00Z');
    const clock = new ManualClock(start);
    const daily = job(clock, 'daily', { kind: 'cron', pattern: '0 0 * * *' }, async () => {
      throw new Error('nope');
    });
    const s = new BackupScheduler({
      clock,
      logger: silentLogger,
      jobs: [daily],
      retry: { attempts: 4, baseDelayMs: 10 * MIN, maxDelayMs: 15 * MIN },
    });
    s.start();
    await settle();
    await advance(clock, 2 * HOUR);
    expect(daily.runs.map((t) => (t - start) / MIN)).toEqual([0, 10, 25, 40]);
    // After the last failure the cron job waits for its next pattern time: local midnight.
    expect(s.state().jobs.daily).toMatchObject({ lastResult: 'failed', nextRunAt: Date.parse('2026-11-23T23:00:00Z') });
  });

  it('never runs two jobs at once; others wait in the queue', async () => {
    const clock = new ManualClock(Date.parse('2026-11-23T09:00:00Z'));
    let active = 0;
    let maxActive = 0;
    const gates = [deferred(), deferred(), deferred()];
    const make = (name: string, i: number) =>
      job(clock, name, { kind: 'interval', everyMs: HOUR }, async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        const r = await gates[i]!.promise;
        active--;
        return r;
      });
    const jobs = [make('auto', 0), make('drill', 1), make('cleanup', 2)];
    const s = new BackupScheduler({ clock, logger: silentLogger, jobs, retry });
    s.start();
    await settle();
    expect(s.state().running).toBe('auto');
    expect(jobs.map((j) => j.runs.length)).toEqual([1, 0, 0]);
    gates[0]!.resolve('done');
    await settle();
    expect(s.state().running).toBe('drill');
    gates[1]!.resolve('skipped');
    await settle();
    expect(s.state().running).toBe('cleanup');
    gates[2]!.resolve('done');
    await settle();
    expect(s.state().running).toBeNull();
    expect(maxActive).toBe(1);
    expect(s.state().jobs.drill!.lastResult).toBe('skipped');
  });

  it('pause waits for the running job and holds runs; resume runs each due job once', async () => {
    const start = Date.parse('2026-11-23T09:00:00Z');
    const clock = new ManualClock(start);
    const gate = deferred();
    let first = true;
    const auto = job(clock, 'auto', { kind: 'interval', everyMs: 15 * MIN }, async () => {
      if (first) {
        first = false;
        return gate.promise;
      }
      return 'done';
    });
    const s = new BackupScheduler({ clock, logger: silentLogger, jobs: [auto], retry });
    s.start();
    await settle();
    let paused = false;
    const pausing = s.pause().then(() => (paused = true));
    await settle();
    expect(paused).toBe(false); // still waiting for the running snapshot
    gate.resolve('done');
    await pausing;
    expect(s.state().paused).toBe(true);
    await advance(clock, 2 * HOUR);
    expect(auto.runs).toHaveLength(1);
    await expect(s.runNow('auto')).rejects.toMatchObject({ code: 'scheduler_paused' });
    s.resume();
    await settle();
    expect(auto.runs).toEqual([start, start + 2 * HOUR]);
    expect(s.state().paused).toBe(false);
  });

  it('computes cron runs at local midnight, across the DST change', async () => {
    // 2026-10-24 10:00 CEST; the next local midnights are 22:00Z (CEST) and then 23:00Z (CET).
    const clock = new ManualClock(Date.parse('2026-10-24T08:00:00Z'));
    const daily = job(clock, 'daily', { kind: 'cron', pattern: '0 0 * * *' });
    const weekly = job(clock, 'weekly', { kind: 'cron', pattern: '0 0 * * 0' });
    const s = new BackupScheduler({
      clock,
      logger: silentLogger,
      jobs: [daily, weekly],
      retry,
      initialLastSuccess: { daily: Date.parse('2026-10-23T22:00:00Z'), weekly: Date.parse('2026-10-17T22:00:00Z') },
    });
    s.start();
    await settle();
    expect(daily.runs).toEqual([]);
    expect(s.state().jobs.daily!.nextRunAt).toBe(Date.parse('2026-10-24T22:00:00Z'));
    expect(s.state().jobs.weekly!.nextRunAt).toBe(Date.parse('2026-10-24T22:00:00Z')); // Sunday Oct 25, 00:00
    await advance(clock, 26 * HOUR, 30 * MIN);
    expect(daily.runs).toEqual([Date.parse('2026-10-24T22:00:00Z')]);
    const next = s.state().jobs.daily!.nextRunAt!;
    expect(next).toBe(Date.parse('2026-10-25T23:00:00Z'));
    expect(format(new Date(next), 'yyyy-MM-dd HH:mm')).toBe('2026-10-26 00:00');
    expect(format(new Date(s.state().jobs.weekly!.nextRunAt!), 'EEEE HH:mm')).toBe('Sunday 00:00');
    expect(s.nextCronRun('0 0 * * *', Date.parse('2026-03-28T12:00:00Z'))).toBe(Date.parse('2026-03-28T23:00:00Z'));
    expect(s.nextCronRun('0 0 * * *', Date.parse('2026-03-29T12:00:00Z'))).toBe(Date.parse('2026-03-29T22:00:00Z'));
  });

  it('runNow runs a disabled job once, reports failures, and disabled jobs have no next run', async () => {
    const clock = new ManualClock(Date.parse('2026-11-23T09:00:00Z'));
    let fail = false;
    const drill = job(
      clock,
      'drill',
      { kind: 'interval', everyMs: 7 * 24 * HOUR },
      async () => {
        if (fail) throw new Error('counts differ');
        return 'done';
      },
      () => false,
    );
    const s = new BackupScheduler({ clock, logger: silentLogger, jobs: [drill], retry });
    const changes: (string | null)[] = [];
    const off = s.onChange((st) => changes.push(st.running));
    s.start();
    await settle();
    expect(drill.runs).toEqual([]);
    expect(s.state().jobs.drill!.nextRunAt).toBeNull();
    await expect(s.runNow('drill')).resolves.toBe('done');
    expect(changes).toContain('drill');
    fail = true;
    await expect(s.runNow('drill')).rejects.toThrow('counts differ');
    // An explicit run is not retried: its failure is final and visible.
    expect(drill.runs).toHaveLength(2);
    expect(s.state().jobs.drill).toMatchObject({
      lastResult: 'failed',
      lastError: 'counts differ',
      consecutiveFailures: 1,
    });
    await expect(s.runNow('nope')).rejects.toMatchObject({ code: 'not_found' });
    off();
    await s.stop();
    await expect(s.runNow('drill')).rejects.toMatchObject({ code: 'scheduler_stopped' });
  });

  it('treats a zero interval as off and follows a schedule getter after wake()', async () => {
    const clock = new ManualClock(Date.parse('2026-11-23T09:00:00Z'));
    let days = 0;
    const drill: RecordingJob = job(clock, 'drill', { kind: 'interval', everyMs: 0 });
    Object.defineProperty(drill, 'schedule', { get: () => ({ kind: 'interval', everyMs: days * 24 * HOUR }) });
    const s = new BackupScheduler({ clock, logger: silentLogger, jobs: [drill], retry });
    s.start();
    await advance(clock, 3 * HOUR, 30 * MIN);
    expect(drill.runs).toEqual([]);
    expect(s.state().jobs.drill!.nextRunAt).toBeNull();
    days = 7; // the setting changed
    s.wake();
    await settle();
    expect(drill.runs).toHaveLength(1);
    expect(s.state().jobs.drill!.nextRunAt).toBe(clock.now() + 7 * 24 * HOUR);
  });

  it('pause() aborts a running job that honours its signal; the cut-short run is not a failure and runs again on resume', async () => {
    const start = Date.parse('2026-11-23T09:00:00Z');
    const clock = new ManualClock(start);
    const batches: number[] = [];
    let runs = 0;
    const cleanup: SchedulerJob = {
      name: 'cleanup',
      schedule: { kind: 'interval', everyMs: 24 * HOUR },
      enabled: () => true,
      async run(signal) {
        runs++;
        for (let i = 0; i < 5; i++) {
          if (signal.aborted) throw new Error('stopped between batches');
          batches.push(runs);
          await new Promise<void>((r) => setImmediate(r));
        }
        return 'done';
      },
    };
    const s = new BackupScheduler({ clock, logger: silentLogger, jobs: [cleanup], retry });
    s.start();
    expect(s.state().running).toBe('cleanup');
    await s.pause();
    expect(batches).toEqual([1]); // stopped at the first safe point
    expect(s.state().jobs.cleanup).toMatchObject({
      lastResult: null,
      lastError: null,
      consecutiveFailures: 0,
      lastSuccessAt: null,
    });
    await advance(clock, HOUR);
    expect(runs).toBe(1); // nothing runs while paused
    s.resume();
    await settle();
    expect(runs).toBe(2);
    expect(batches.filter((b) => b === 2)).toHaveLength(5);
    expect(s.state().jobs.cleanup).toMatchObject({ lastResult: 'done', lastSuccessAt: start + HOUR });

    // stop() (quit) asks the same way, and resolves once the job has stopped.
    clock.advance(24 * HOUR);
    expect(s.state().running).toBe('cleanup');
    await s.stop();
    expect(batches.filter((b) => b === 3)).toHaveLength(1);
    expect(s.state().jobs.cleanup!.lastResult).toBe('done');
  });

  it('startDelayMs holds a never-run or overdue job until that long after start', async () => {
    const start = Date.parse('2026-11-23T09:00:00Z');
    const clock = new ManualClock(start);
    const cleanup = job(clock, 'cleanup', { kind: 'interval', everyMs: 24 * HOUR });
    cleanup.startDelayMs = 10 * MIN;
    const verify = job(clock, 'verify', { kind: 'interval', everyMs: 24 * HOUR });
    verify.startDelayMs = 10 * MIN;
    const s = new BackupScheduler({
      clock,
      logger: silentLogger,
      jobs: [cleanup, verify],
      retry,
      initialLastSuccess: { verify: start - 30 * HOUR }, // overdue since 6 hours
    });
    s.start();
    await settle();
    expect(s.state().jobs.cleanup!.nextRunAt).toBe(start + 10 * MIN);
    expect(s.state().jobs.verify!.nextRunAt).toBe(start + 10 * MIN);
    await advance(clock, 9 * MIN);
    expect([cleanup.runs, verify.runs]).toEqual([[], []]);
    await advance(clock, 2 * MIN);
    expect([cleanup.runs, verify.runs]).toEqual([[start + 10 * MIN], [start + 10 * MIN]]);
    // After the delay it no longer matters: the next run is a day after this one.
    expect(s.state().jobs.cleanup!.nextRunAt).toBe(start + 10 * MIN + 24 * HOUR);
  });

  it('a job waiting for a precondition is armed as soon as another job makes it true', async () => {
    const start = Date.parse('2026-11-23T09:00:00Z');
    const clock = new ManualClock(start);
    let snapshots = 0;
    const auto = job(clock, 'auto', { kind: 'interval', everyMs: 15 * MIN }, async () => {
      snapshots++;
      return 'done';
    });
    const drill = job(clock, 'drill', { kind: 'interval', everyMs: 7 * 24 * HOUR }, undefined, () => snapshots > 0);
    // The drill is listed first, so at start() it is judged before any snapshot exists.
    const s = new BackupScheduler({ clock, logger: silentLogger, jobs: [drill, auto], retry });
    s.start();
    await settle();
    expect(auto.runs).toEqual([start]);
    expect(drill.runs).toEqual([start]); // right after the first snapshot, not a week later
    expect(s.state().jobs.drill!.nextRunAt).toBe(start + 7 * 24 * HOUR);
  });

  it('rejects a bad cron pattern at construction', () => {
    const clock = new ManualClock(0);
    expect(
      () =>
        new BackupScheduler({
          clock,
          logger: silentLogger,
          jobs: [job(clock, 'x', { kind: 'cron', pattern: 'every tuesday' })],
          retry,
        }),
    ).toThrow(/bad cron pattern/);
  });
});
