// Snapshots section of `npm run bench`: Strata's snapshot, restore and
// verify against `sqlite3 .backup` + `gzip -1` and `gunzip` + `cp`, with the main thread's
// event-loop delay, a snapshot under continuous writes from another process, and a codec table.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DIST, MiB, bundleApp, median, requireTools, round, shellQuote, timeShell } from './lib.mjs';

const require = createRequire(import.meta.url);
const WRITER = new URL('./snapshot-writer.mjs', import.meta.url).pathname;
const MESSAGES_PER_SESSION = 1000;
const GOAL_RATIO = 1.5;
const GOAL_P99_MS = 20;
const GOAL_MAX_MS = 50;
const CODEC_SAMPLE_BYTES = 64 * MiB;

const secs = (ms) => round(ms / 1000, 2);
const mb = (bytes) => round(bytes / MiB, 1);
const passFail = (ok) => (ok ? 'PASS' : 'FAIL');

function runNode(args, log) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', () => undefined);
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `${path.basename(args[0])} ${args.slice(1, 4).join(' ')} failed (exit ${code}): ${stderr.trim().split('\n').pop()}`,
          ),
        );
    });
    log?.(`  $ node ${args.map((a) => (a.includes(' ') ? shellQuote(a) : a)).join(' ')}`);
  });
}

/** Adds demo sessions with the built CLI until the database file reaches the target size. */
export async function buildDemoDatabase(dataDir, targetBytes, log) {
  const cli = path.join(DIST, 'cli.cjs');
  const dbFile = path.join(dataDir, 'strata.db');
  const sizeNow = () =>
    (fs.existsSync(dbFile) ? fs.statSync(dbFile).size : 0) +
    (fs.existsSync(`${dbFile}-wal`) ? fs.statSync(`${dbFile}-wal`).size : 0);
  let sessions = 0;
  let perSession = 1.69 * MiB; // measured: 10 sessions x 1000 messages = 16.9 MB
  let seed = 1;
  const started = performance.now();
  while (sizeNow() < targetBytes) {
    const remaining = targetBytes - sizeNow();
    // Aim a little low first, then top up with what the first batch taught us.
    const batch = Math.max(
      1,
      sessions === 0 ? Math.floor((0.95 * remaining) / perSession) : Math.ceil(remaining / perSession),
    );
    await runNode(
      [
        cli,
        '--data-dir',
        dataDir,
        'demo',
        '--sessions',
        String(batch),
        '--messages-per-session',
        String(MESSAGES_PER_SESSION),
        '--seed',
        String(seed++),
      ],
      log,
    );
    sessions += batch;
    perSession = sizeNow() / sessions;
  }
  return { sessions, messages: sessions * MESSAGES_PER_SESSION, seconds: secs(performance.now() - started) };
}

/**
 * Event-loop delay per kind of operation. Each run gets a fresh histogram: a re-enabled one
 * records the whole gap since it was disabled as one sample (seen here as ~1 s "delays" that were
 * really the blocking baseline commands run in between). Runs are pooled conservatively:
 * the median p50, the worst p99 and the worst max.
 */
export function delayMonitor() {
  const perRun = [];
  return {
    async around(fn) {
      const h = monitorEventLoopDelay({ resolution: 10 });
      h.enable();
      try {
        return await fn();
      } finally {
        // A block at the very end is only recorded on the next timer tick: wait for it.
        await new Promise((r) => setTimeout(r, 25));
        h.disable();
        if (h.count > 0)
          perRun.push({ p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6, samples: h.count });
      }
    },
    summary() {
      if (!perRun.length) return { p50: null, p99: null, max: null, samples: 0, runs: [] };
      return {
        p50: round(median(perRun.map((r) => r.p50)), 1),
        p99: round(Math.max(...perRun.map((r) => r.p99)), 1),
        max: round(Math.max(...perRun.map((r) => r.max)), 1),
        samples: perRun.reduce((a, r) => a + r.samples, 0),
        runs: perRun.map((r) => ({
          p50: round(r.p50, 1),
          p99: round(r.p99, 1),
          max: round(r.max, 1),
          samples: r.samples,
        })),
      };
    },
  };
}

async function timed(fn) {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

function codecComparison(dbFile, log) {
  const fd = fs.openSync(dbFile, 'r');
  const sample = Buffer.allocUnsafe(Math.min(CODEC_SAMPLE_BYTES, fs.fstatSync(fd).size));
  try {
    fs.readSync(fd, sample, 0, sample.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  const codecs = [
    { name: 'gzip -1 (chosen)', c: (b) => zlib.gzipSync(b, { level: 1 }), d: (b) => zlib.gunzipSync(b) },
    { name: 'gzip -3', c: (b) => zlib.gzipSync(b, { level: 3 }), d: (b) => zlib.gunzipSync(b) },
    {
      name: 'brotli q1',
      c: (b) =>
        zlib.brotliCompressSync(b, {
          params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: b.length },
        }),
      d: (b) => zlib.brotliDecompressSync(b),
    },
  ];
  const rows = [];
  for (const codec of codecs) {
    log(`  codec ${codec.name} on ${mb(sample.length)} MiB`);
    const cTimes = [];
    const dTimes = [];
    let out = null;
    for (let i = 0; i < 3; i++) {
      let t = performance.now();
      out = codec.c(sample);
      cTimes.push(performance.now() - t);
      t = performance.now();
      const back = codec.d(out);
      dTimes.push(performance.now() - t);
      if (back.length !== sample.length) throw new Error(`${codec.name} round trip lost data`);
    }
    rows.push({
      codec: codec.name,
      compressMBps: round(sample.length / MiB / (median(cTimes) / 1000), 0),
      decompressMBps: round(sample.length / MiB / (median(dTimes) / 1000), 0),
      ratio: round(sample.length / out.length, 2),
      storedPct: round((100 * out.length) / sample.length, 1),
    });
  }
  return { sampleBytes: sample.length, rows };
}

/** Snapshot while a separate process appends messages in small transactions. */
async function snapshotUnderWrites(app, bundle, sessionId, delay, log) {
  const child = spawn(process.execPath, [WRITER, bundle, app.paths.database, sessionId], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let latest = { rows: 0, errors: 0, lastError: null };
  let stderr = '';
  let buffered = '';
  child.stdout.on('data', (d) => {
    buffered += d;
    const lines = buffered.split('\n');
    buffered = lines.pop();
    for (const l of lines) if (l.trim()) latest = JSON.parse(l);
  });
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  const stopWriter = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 15_000))]);
    if (code === 'timeout') child.kill('SIGKILL');
    return code;
  };
  try {
    // Wait until the writer is really committing, then measure its undisturbed rate.
    const waitStart = Date.now();
    while (latest.rows === 0) {
      if (child.exitCode !== null) throw new Error(`the writer process stopped: ${stderr.trim().split('\n').pop()}`);
      if (Date.now() - waitStart > 20_000) throw new Error('the writer process did not start writing within 20 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    const idleFrom = { rows: latest.rows, at: performance.now() };
    await new Promise((r) => setTimeout(r, 2000));
    const idleRate = (latest.rows - idleFrom.rows) / ((performance.now() - idleFrom.at) / 1000);

    const before = app.db.messages.countForSession(sessionId);
    const errorsBefore = latest.errors;
    log('  snapshot while the writer runs');
    const { ms, value: sidecar } = await delay.around(() =>
      timed(() => app.snapshots.create({ tier: 'manual', label: 'bench under writes' })),
    );
    const after = app.db.messages.countForSession(sessionId);
    const errorsDuring = latest.errors - errorsBefore;
    const code = await stopWriter();
    log('  verify the snapshot taken under writes');
    const verify = await app.snapshots.verify(sidecar.id);
    const liveMessages = app.db.tableCounts().messages;
    return {
      ms,
      snapshotId: sidecar.id,
      rowsInsertedDuring: after - before,
      writerRateIdle: round(idleRate, 0),
      writerRateDuring: round((after - before) / (ms / 1000), 0),
      writerErrorsDuring: errorsDuring,
      writerLastError: latest.lastError,
      writerExit: code,
      messagesInSnapshot: sidecar.counts.messages,
      messagesLiveAfterWriter: liveMessages,
      verifyOk: verify.ok,
      verifyProblems: verify.problems,
    };
  } finally {
    await stopWriter();
  }
}

/**
 * @param {{ sizeMb: number, runs?: number, log?: (line: string) => void }} opts
 * @returns {Promise<{ tables: object[], results: object }>}
 */
export async function run(opts) {
  const log = opts.log ?? ((l) => console.error(l));
  const sizeMb = opts.sizeMb;
  const targetBytes = sizeMb * MiB;
  const runs = opts.runs ?? (sizeMb >= 1024 ? 1 : 3);
  requireTools([
    { cmd: 'sqlite3', args: ['-version'], pkg: 'sqlite3' },
    { cmd: 'gzip', args: ['--version'], pkg: 'gzip' },
    { cmd: 'gunzip', args: ['--version'], pkg: 'gzip' },
  ]);
  const free = fs.statfsSync?.(os.tmpdir());
  if (free && free.bavail * free.bsize < targetBytes * 5) {
    throw new Error(
      `not enough free space in ${os.tmpdir()}: need about ${mb(targetBytes * 5)} MiB (the database, copies and snapshots)`,
    );
  }

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bench-snapshots-'));
  const onSignal = () => {
    fs.rmSync(tmp, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let app = null;
  try {
    const bundle = await bundleApp(tmp);
    const { StrataApp } = require(bundle);
    const dataDir = path.join(tmp, 'data');
    const work = path.join(tmp, 'baseline');
    fs.mkdirSync(work);

    log(`building a ${sizeMb} MiB demo database in ${dataDir}`);
    const demo = await buildDemoDatabase(dataDir, targetBytes, log);
    app = await StrataApp.open({ dataDir, owner: 'cli', exclusive: true });
    app.db.checkpoint();
    const dbFile = app.paths.database;
    const dbBytes = fs.statSync(dbFile).size;
    log(`  ${mb(dbBytes)} MiB, ${demo.sessions} sessions, ${demo.messages} messages (built in ${demo.seconds} s)`);

    const delays = {
      snapshot: delayMonitor(),
      restore: delayMonitor(),
      restoreWithPreRestore: delayMonitor(),
      verify: delayMonitor(),
      underWrites: delayMonitor(),
    };
    const t = { baseSnap: [], snap: [], baseRestore: [], restore: [], restoreIdle: [], verify: [] };
    const baseGz = path.join(work, 'backup.db.gz');
    let baseStoredBytes = 0;
    let sidecar = null;

    // Snapshots, interleaved with the baseline so both see the same page cache and machine load.
    for (let i = 0; i < runs; i++) {
      log(`snapshot run ${i + 1}/${runs}: baseline sqlite3 .backup + gzip -1`);
      fs.rmSync(baseGz, { force: true });
      const copy = path.join(work, 'backup.db');
      t.baseSnap.push(
        timeShell(
          `sqlite3 ${shellQuote(dbFile)} ${shellQuote(`.backup ${copy}`)} && gzip -1 ${shellQuote(copy)}`,
          work,
        ),
      );
      baseStoredBytes = fs.statSync(baseGz).size;
      log(`snapshot run ${i + 1}/${runs}: Strata snapshot`);
      const r = await delays.snapshot.around(() =>
        timed(() => app.snapshots.create({ tier: 'manual', label: `bench ${i + 1}` })),
      );
      t.snap.push(r.ms);
      if (sidecar) await app.snapshots.delete(sidecar.id);
      sidecar = r.value;
    }

    for (let i = 0; i < runs; i++) {
      log(`verify run ${i + 1}/${runs}`);
      const r = await delays.verify.around(() => timed(() => app.snapshots.verify(sidecar.id)));
      if (!r.value.ok) throw new Error(`the bench snapshot failed verify: ${r.value.problems.join('; ')}`);
      t.verify.push(r.ms);
    }

    for (let i = 0; i < runs; i++) {
      log(`restore run ${i + 1}/${runs}: baseline gunzip + cp`);
      const x = path.join(work, 'restored.db');
      const y = path.join(work, 'restored-copy.db');
      t.baseRestore.push(
        timeShell(`gunzip -c ${shellQuote(baseGz)} > ${shellQuote(x)} && cp ${shellQuote(x)} ${shellQuote(y)}`, work),
      );
      fs.rmSync(x, { force: true });
      fs.rmSync(y, { force: true });
      log(`restore run ${i + 1}/${runs}: Strata restore`);
      let restoredAt = 0;
      const started = performance.now();
      const result = await delays.restoreWithPreRestore.around(async () => {
        const res = await delays.restore.around(() => app.snapshots.restore(sidecar.id));
        restoredAt = performance.now();
        // The pinned pre-restore snapshot is compressed in the background right after the restore commits.
        await app.snapshots.idle();
        return res;
      });
      const listedAt = performance.now();
      t.restore.push(restoredAt - started);
      t.restoreIdle.push(listedAt - started);
      const pre = result.preRestoreSnapshotId
        ? (await app.snapshots.list()).find((s) => s.id === result.preRestoreSnapshotId)
        : null;
      if (result.preRestoreSnapshotId && !pre)
        throw new Error('the pre-restore snapshot was not listed after the restore finished');
      if (pre) await app.snapshots.delete(pre.id, { force: true });
    }

    // Main-thread work a restore does synchronously (explains the max delay, if any).
    const countsTimed = await timed(async () => app.db.tableCounts());

    log('snapshot under continuous writes from another process');
    const sessionId = app.db.sessions.list({ limit: 1 })[0]?.id;
    if (!sessionId) throw new Error('the demo database has no sessions');
    const load = await snapshotUnderWrites(app, bundle, sessionId, delays.underWrites, log);

    log('codec comparison');
    const codec = codecComparison(dbFile, log);

    const m = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, median(v)]));
    const eld = Object.fromEntries(Object.entries(delays).map(([k, d]) => [k, d.summary()]));
    const snapRatio = m.snap / m.baseSnap;
    const restoreRatio = m.restore / m.baseRestore;
    const eldOk = (s) => s.p99 !== null && s.p99 <= GOAL_P99_MS && s.max <= GOAL_MAX_MS;
    const goals = {
      snapshotRatio: { value: round(snapRatio), goal: `<= ${GOAL_RATIO}`, pass: snapRatio <= GOAL_RATIO },
      restoreRatio: { value: round(restoreRatio), goal: `<= ${GOAL_RATIO}`, pass: restoreRatio <= GOAL_RATIO },
      snapshotEventLoop: {
        value: eld.snapshot,
        goal: `p99 <= ${GOAL_P99_MS} ms, max <= ${GOAL_MAX_MS} ms`,
        pass: eldOk(eld.snapshot),
      },
      restoreEventLoop: {
        value: eld.restore,
        goal: `p99 <= ${GOAL_P99_MS} ms, max <= ${GOAL_MAX_MS} ms`,
        pass: eldOk(eld.restore),
      },
      underWritesVerifies: { value: load.verifyOk, goal: 'verifies', pass: load.verifyOk },
    };

    const runsNote = `median of ${runs} run${runs > 1 ? 's' : ''}; Strata numbers are wall time until the API call resolves`;
    const tables = [
      {
        title: `Snapshots: ${mb(dbBytes)} MiB database (${demo.sessions} sessions, ${demo.messages} messages), ${runsNote}`,
        columns: ['measure', 'Strata', 'baseline', 'ratio', 'goal', 'result'],
        rows: [
          [
            'snapshot (s) vs sqlite3 .backup + gzip -1',
            secs(m.snap),
            secs(m.baseSnap),
            round(snapRatio),
            `<= ${GOAL_RATIO}x`,
            passFail(goals.snapshotRatio.pass),
          ],
          [
            'restore (s, written into the live database + reopened) vs gunzip + cp',
            secs(m.restore),
            secs(m.baseRestore),
            round(restoreRatio),
            `<= ${GOAL_RATIO}x`,
            passFail(goals.restoreRatio.pass),
          ],
          [
            'restore until pre-restore snapshot listed (s)',
            secs(m.restoreIdle),
            secs(m.baseRestore),
            round(m.restoreIdle / m.baseRestore),
            null,
            null,
          ],
          ['verify (s: sha256 + gunzip + integrity_check + counts)', secs(m.verify), null, null, null, null],
          [
            'stored size / database size',
            round(sidecar.stored.sizeBytes / dbBytes, 3),
            round(baseStoredBytes / dbBytes, 3),
            round(sidecar.stored.sizeBytes / baseStoredBytes),
            null,
            null,
          ],
          [
            'snapshot under continuous writes (s) vs idle snapshot',
            secs(load.ms),
            secs(m.snap),
            round(load.ms / m.snap),
            'verifies',
            passFail(load.verifyOk),
          ],
        ],
      },
      {
        title:
          'Event-loop delay of the main thread (ms; monitorEventLoopDelay, resolution 10 ms; median p50, worst p99 and max over the runs)',
        columns: ['during', 'p50', 'p99', 'max', 'goal', 'result'],
        rows: [
          [
            'snapshot',
            eld.snapshot.p50,
            eld.snapshot.p99,
            eld.snapshot.max,
            `p99 <= ${GOAL_P99_MS}, max <= ${GOAL_MAX_MS}`,
            passFail(goals.snapshotEventLoop.pass),
          ],
          [
            'restore (until it resolves)',
            eld.restore.p50,
            eld.restore.p99,
            eld.restore.max,
            `p99 <= ${GOAL_P99_MS}, max <= ${GOAL_MAX_MS}`,
            passFail(goals.restoreEventLoop.pass),
          ],
          [
            'restore + background pre-restore snapshot',
            eld.restoreWithPreRestore.p50,
            eld.restoreWithPreRestore.p99,
            eld.restoreWithPreRestore.max,
            null,
            null,
          ],
          ['verify', eld.verify.p50, eld.verify.p99, eld.verify.max, null, eldOk(eld.verify) ? 'ok' : 'over'],
          [
            'snapshot under writes',
            eld.underWrites.p50,
            eld.underWrites.p99,
            eld.underWrites.max,
            null,
            eldOk(eld.underWrites) ? 'ok' : 'over',
          ],
        ],
        note: `  (the samples include the 10 ms timer interval itself, so 10 ms means no delay)\n  (for reference: app.db.tableCounts() on the main thread, run by every restore after reopening, took ${round(countsTimed.ms, 1)} ms here)`,
      },
      {
        title: 'Snapshot under continuous writes (another process, one message per transaction)',
        columns: ['measure', 'value'],
        rows: [
          ['snapshot time (s)', secs(load.ms)],
          ['rows the writer committed during the snapshot', load.rowsInsertedDuring],
          ['writer rate idle / during snapshot (rows/s)', `${load.writerRateIdle} / ${load.writerRateDuring}`],
          [
            'writer errors during the snapshot',
            load.writerErrorsDuring + (load.writerLastError ? ` (last: ${load.writerLastError})` : ''),
          ],
          [
            'messages in the snapshot / live after the writer stopped',
            `${load.messagesInSnapshot} / ${load.messagesLiveAfterWriter}`,
          ],
          ['snapshot verifies afterwards', load.verifyOk ? 'yes' : `NO: ${load.verifyProblems.join('; ')}`],
        ],
      },
      {
        title: `Codec comparison: first ${mb(codec.sampleBytes)} MiB of the database, single thread, node:zlib, median of 3`,
        columns: ['codec', 'compress MB/s', 'decompress MB/s', 'ratio', 'stored %'],
        rows: codec.rows.map((r) => [r.codec, r.compressMBps, r.decompressMBps, r.ratio, r.storedPct]),
      },
    ];

    return {
      tables,
      results: {
        database: {
          sizeMb,
          bytes: dbBytes,
          sessions: demo.sessions,
          messages: demo.messages,
          buildSeconds: demo.seconds,
        },
        runs,
        timesMs: Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.map((x) => round(x, 1))])),
        mediansMs: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, round(v, 1)])),
        storedBytes: sidecar.stored.sizeBytes,
        baselineStoredBytes: baseStoredBytes,
        storedRatio: round(sidecar.stored.sizeBytes / dbBytes, 4),
        eventLoopDelayMs: eld,
        tableCountsMainThreadMs: round(countsTimed.ms, 1),
        underWrites: load,
        codec,
        goals,
        allGoalsPass: Object.values(goals).every((g) => g.pass),
      },
    };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    try {
      await app?.close();
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
}
