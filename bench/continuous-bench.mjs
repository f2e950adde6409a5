// Continuous section of `npm run bench`: the WAL shipper under load, and restore to a moment.
// On a database of --size-mb (default 256):
// 1. RPO: 20 commits/s (one message each) for 75 s while the app's shipper runs (and thins its
//    record every 10 s, merging rounds older than a minute); for each commit,
//    the time from its commit returning to the fsync of the segment that holds it (p50, p99, max),
//    the main thread's event-loop delay, the shipper thread's busy share, and store growth.
// 2. Restore to a moment after 24 simulated hours of commits (one message every 30 s, shipped by
//    the shipper on a simulated clock, then thinned), as a ratio to restoring a snapshot point.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { MiB, bundleApp, round } from './lib.mjs';
import { fillDatabase, filler } from './points-bench.mjs';

const require = createRequire(import.meta.url);
const GOAL_RPO_P99_MS = 1000;
const GOAL_ELD_P99_MS = 20;
const RATE = 20;
// Long enough that rounds older than a minute get merged while the load goes on.
const LOAD_SECONDS = 75;

const quiet = {
  tiers: { startup: false, auto: false, hourly: false, daily: false, weekly: false },
  drillIntervalDays: 0,
  verifyPeriodDays: 0,
};

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : null;
}

function dirBytes(dir) {
  let n = 0;
  if (!fs.existsSync(dir)) return 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? dirBytes(p) : fs.statSync(p).size;
  }
  return n;
}

/** The WAL index header's committed frame count and salt, read through one descriptor kept open. */
function walIndexReader(shmFile) {
  const fd = fs.openSync(shmFile, 'r');
  const buf = Buffer.alloc(48);
  return {
    read() {
      fs.readSync(fd, buf, 0, 48, 0);
      return { mxFrame: buf.readUInt32LE(16), salt1: buf.readUInt32BE(32) };
    },
    fd,
  };
}

async function configure(StrataApp, dataDir, patch) {
  const app = await StrataApp.open({ dataDir, owner: 'cli', exclusive: true });
  try {
    app.setBackupConfig(patch);
  } finally {
    await app.close();
  }
}

async function rpoPhase(StrataApp, dataDir, log, withShipper = true) {
  const rounds = [];
  await configure(StrataApp, dataDir, { continuous: { enabled: withShipper } });
  const app = await StrataApp.open({
    dataDir,
    owner: 'host',
    startBackgroundJobs: true,
    // Thinning every 10 s, so the load also meets merges of rounds (in the app: every minute).
    thinEveryMs: 10_000,
    onShippedRound: (r) => rounds.push(r),
  });
  const shm = walIndexReader(`${app.paths.database}-shm`);
  try {
    const t0 = performance.now();
    while (withShipper && app.protectionStatus()?.state !== 'running') await new Promise((r) => setTimeout(r, 20));
    log(
      `  the first full point took ${round((performance.now() - t0) / 1000, 1)} s; now ${RATE} commits/s for ${LOAD_SECONDS} s`,
    );
    const storeDir = app.snapshots.store.pages.dir;
    const before = dirBytes(path.join(storeDir, 'continuous'));
    const session = app.db.sessions.create({ title: 'RPO bench' });
    const commits = [];
    const eld = monitorEventLoopDelay({ resolution: 10 });
    eld.enable();
    const startUtil = app.protectionUtilization();
    const started = performance.now();
    for (let i = 0; i < RATE * LOAD_SECONDS; i++) {
      const due = started + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      app.db.messages.append(session.id, { role: i % 2 ? 'assistant' : 'user', content: filler(i) });
      commits.push({ at: Date.now(), ...shm.read() });
    }
    await app.flushProtection();
    eld.disable();
    const elapsed = (performance.now() - started) / 1000;
    const util = app.protectionUtilization();
    const after = dirBytes(path.join(storeDir, 'continuous'));
    const lags = commits
      .map((c) => rounds.find((r) => r.salt1 === c.salt1 && r.frame >= c.mxFrame)?.durableAt - c.at)
      .filter((x) => Number.isFinite(x))
      .sort((a, b) => a - b);
    return {
      commits: commits.length,
      matched: lags.length,
      rpoMs: { p50: percentile(lags, 50), p99: percentile(lags, 99), max: lags.at(-1) ?? null },
      eventLoopDelayMs: {
        p50: round(eld.percentile(50) / 1e6, 1),
        p99: round(eld.percentile(99) / 1e6, 1),
        max: round(eld.max / 1e6, 1),
      },
      shipperBusyShare:
        startUtil && util
          ? round((util.active - startUtil.active) / (util.active + util.idle - startUtil.active - startUtil.idle), 3)
          : null,
      seconds: round(elapsed, 1),
      storeGrowthBytesPer1000Messages: Math.round(((after - before) / commits.length) * 1000),
      rounds: rounds.length,
    };
  } finally {
    await app.close();
    fs.closeSync(shm.fd);
  }
}

/** 24 simulated hours of one message every 30 s, shipped on a simulated clock, then thinned. */
async function simulatedDay(mod, dataDir, log) {
  const { Shipper, takeBasePoint, storeFileAsBase, compact, openConnection } = mod;
  const dbFile = path.join(dataDir, 'strata.db');
  const storeDir = path.join(dataDir, 'backups', 'store');
  const data = {
    dbFile,
    storeDir,
    scratchDir: path.join(dataDir, 'backups', 'scratch'),
    liveFds: {},
    appVersion: 'bench',
    pollMs: 0,
    idleCheckpointMs: 1000,
    thinning: { keepAllHours: 24, perMinuteDays: 7 },
    compactEveryMs: 0,
  };
  const DAY = 86_400_000;
  const start = Date.now() - DAY;
  let now = start;
  const shipper = new Shipper({ dbFile, storeDir, takeBasePoint: (r) => takeBasePoint(data, r), now: () => now });
  const writer = openConnection(dbFile);
  const session = writer.prepare(`SELECT id FROM sessions ORDER BY rowid DESC LIMIT 1`).get().id;
  const add = writer.prepare(
    `INSERT INTO messages (id, session_id, sequence, role, content, created_at) VALUES (?, ?, ?, 'user', ?, ?)`,
  );
  let seq = writer.prepare(`SELECT max(sequence) AS s FROM messages WHERE session_id = ?`).get(session).s ?? 0;
  const t0 = performance.now();
  let n = 0;
  try {
    await shipper.start();
    const baseId = shipper.status.generation;
    for (now = start + 30_000; now < start + DAY; now += 30_000) {
      add.run(`sim-${n}`, session, ++seq, filler(n), now);
      n++;
      await shipper.tick();
    }
    await compact(storeDir, now, data.thinning, {
      storeBase: (f) => storeFileAsBase(data, f),
      scratchDir: data.scratchDir,
    });
    log(`  simulated ${n} commits over 24 h in ${round((performance.now() - t0) / 1000, 1)} s`);
    return {
      baseId,
      middle: start + DAY / 2,
      commits: n,
      continuousBytes: dirBytes(path.join(storeDir, 'continuous')),
    };
  } finally {
    shipper.close();
    writer.close();
  }
}

export async function run(opts) {
  const log = opts.log ?? ((l) => console.error(l));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bench-continuous-'));
  try {
    const bundle = await bundleApp(tmp, [
      `export { Shipper } from './src-main/continuous/shipper';`,
      `export { takeBasePoint, storeFileAsBase } from './src-main/continuous/base-point';`,
      `export { compact } from './src-main/continuous/compaction-run';`,
      `export { openConnection } from './src-main/db/connection';`,
    ]);
    const mod = require(bundle);
    const dataDir = path.join(tmp, 'data');
    let app = await mod.StrataApp.open({ dataDir, owner: 'cli', exclusive: true });
    log(`building a ${opts.sizeMb} MiB database`);
    fillDatabase(app, opts.sizeMb * MiB);
    app.setBackupConfig(quiet);
    const dbBytes = fs.statSync(app.paths.database).size;
    await app.close();

    log(`  the same load without continuous protection (the app's own cost, for comparison)`);
    const baseline = await rpoPhase(mod.StrataApp, dataDir, log, false);
    const rpo = await rpoPhase(mod.StrataApp, dataDir, log);
    log(`  RPO p50 ${rpo.rpoMs.p50} ms, p99 ${rpo.rpoMs.p99} ms; ELD p99 ${rpo.eventLoopDelayMs.p99} ms`);

    log('  24 simulated hours of commits');
    // A generation of its own, on the simulated clock: the live one's history starts now.
    fs.rmSync(path.join(dataDir, 'backups', 'store', 'continuous'), { recursive: true, force: true });
    const day = await simulatedDay(mod, dataDir, log);
    app = await mod.StrataApp.open({ dataDir, owner: 'cli', exclusive: true });
    const measure = async (fn) => {
      const h = monitorEventLoopDelay({ resolution: 10 });
      h.enable();
      const t = performance.now();
      const result = await fn();
      const seconds = (performance.now() - t) / 1000;
      h.disable();
      return {
        result,
        seconds: round(seconds, 2),
        eventLoopDelayMs: { p99: round(h.percentile(99) / 1e6, 1), max: round(h.max / 1e6, 1) },
      };
    };
    log('  restore the base point, then restore to the middle of the day');
    const plain = await measure(() => app.snapshots.restore(day.baseId));
    const moment = await measure(() => app.snapshots.restoreAt(day.middle));
    await app.close();
    const ratio = round(moment.seconds / plain.seconds, 2);
    return {
      databaseMiB: round(dbBytes / MiB, 1),
      rpo,
      baselineWithoutShipper: { eventLoopDelayMs: baseline.eventLoopDelayMs, seconds: baseline.seconds },
      restore: {
        snapshotSeconds: plain.seconds,
        momentSeconds: moment.seconds,
        ratio,
        commitsInDay: day.commits,
        continuousBytesAfterDay: day.continuousBytes,
        eventLoopDelayMs: moment.eventLoopDelayMs,
      },
      goals: {
        rpoP99Within1s: rpo.rpoMs.p99 !== null && rpo.rpoMs.p99 <= GOAL_RPO_P99_MS ? 'PASS' : 'FAIL',
        eventLoopP99Max20ms: rpo.eventLoopDelayMs.p99 <= GOAL_ELD_P99_MS ? 'PASS' : 'FAIL',
      },
      tables: [
        {
          title: `Continuous protection: ${round(dbBytes / MiB, 1)} MiB database, ${RATE} commits/s for ${LOAD_SECONDS} s (goal: RPO p99 <= ${GOAL_RPO_P99_MS} ms, ELD p99 <= ${GOAL_ELD_P99_MS} ms)`,
          columns: ['figure', 'value'],
          rows: [
            ['commits (matched to a segment)', `${rpo.commits} (${rpo.matched})`],
            ['RPO p50 / p99 / max ms', `${rpo.rpoMs.p50} / ${rpo.rpoMs.p99} / ${rpo.rpoMs.max}`],
            [
              'main-thread ELD p50 / p99 / max ms',
              `${rpo.eventLoopDelayMs.p50} / ${rpo.eventLoopDelayMs.p99} / ${rpo.eventLoopDelayMs.max}`,
            ],
            [
              'the same without the shipper',
              `${baseline.eventLoopDelayMs.p50} / ${baseline.eventLoopDelayMs.p99} / ${baseline.eventLoopDelayMs.max}`,
            ],
            ['shipper thread busy share during the load', rpo.shipperBusyShare],
            ['store growth per 1,000 messages', `${round(rpo.storeGrowthBytesPer1000Messages / 1024, 1)} KiB`],
            ['segments written', rpo.rounds],
            [
              '24 h of commits (one per 30 s), kept after thinning',
              `${day.commits} commits, ${round(day.continuousBytes / MiB, 1)} MiB`,
            ],
            ['restore a snapshot point / to a moment (s)', `${plain.seconds} / ${moment.seconds} (ratio ${ratio})`],
          ],
        },
      ],
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
