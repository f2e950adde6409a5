import { StrataApp, type StrataAppOptions } from '../../src-main/app/strata-app';
import type { ManualClock } from '../../src-main/core/clock';
import { roomyDisk } from '../helpers/snapshot-fixtures';

/** Helpers for driving a whole StrataApp with an injected clock. */

const macrotask = () => new Promise<void>((r) => setTimeout(r, 1));

/**
 * Resolves once no scheduled job runs and the engine has nothing queued. The scheduler starts the
 * next queued job synchronously when one ends, so two quiet observations a macrotask apart mean idle.
 */
export async function idle(app: StrataApp, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const quiet = () => (app.schedulerState()?.running ?? null) === null && app.snapshots.busyWith === null;
  for (;;) {
    await app.snapshots.idle();
    if (quiet()) {
      await macrotask();
      if (quiet()) return;
    }
    if (Date.now() > deadline) throw new Error(`the app did not settle: ${app.schedulerState()?.running}`);
    await macrotask();
  }
}

/** Moves the clock in steps, letting the jobs each step starts finish before the next. */
export async function advance(app: StrataApp, clock: ManualClock, ms: number, step: number): Promise<void> {
  for (let left = ms; left > 0; left -= step) {
    clock.advance(Math.min(step, left));
    await idle(app);
  }
}

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await macrotask();
  }
}

/** The desktop app's way of opening a folder: lock, background jobs, startup snapshot. */
export async function openApp(dataDir: string, clock: ManualClock, extra: Partial<StrataAppOptions> = {}) {
  const app = await StrataApp.open({
    dataDir,
    owner: 'app',
    clock,
    diskProbe: roomyDisk,
    startBackgroundJobs: true,
    continuousProtection: false,
    ...extra,
  });
  if (app.backupConfig().tiers.startup) {
    await waitFor('the startup snapshot settled', async () =>
      (await app.snapshots.list()).some((s) => s.tier === 'startup' || s.tier === 'auto'),
    );
  }
  await idle(app);
  return app;
}
