// Store section of `npm run bench`: the deduplicated page store over many points in time. A full
// snapshot, then N more each after about 1 % page churn of realistic work (new messages in recent
// sessions, edits, a few deletions), against `sqlite3 .backup` + `gzip -1` and `gunzip` + `cp` +
// `integrity_check` measured in the same run, with the main thread's event-loop delay throughout.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { MiB, bundleApp, median, requireTools, round, shellQuote, timeShell } from './lib.mjs';
import { buildDemoDatabase, delayMonitor } from './snapshots-bench.mjs';
import { breakdownTable, storeBreakdown } from './store-breakdown.mjs';

const require = createRequire(import.meta.url);
const secs = (ms) => round(ms / 1000, 2);
const mb = (bytes) => round(bytes / MiB, 1);
const passFail = (ok) => (ok ? 'PASS' : 'FAIL');
const roomyDisk = async () => ({ freeBytes: 500 * 1024 ** 3, totalBytes: 1000 * 1024 ** 3 });

async function timed(fn) {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

/** A seeded generator (mulberry32), so every run churns the same rows. */
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'the a of to and in is it that for on with as this was be by are at or from not but have you can ' +
  'sqlite page backup restore session message model token prompt answer question write read file ' +
  'database index query table row column value error retry network server client latency cache ' +
  'travel kyoto train hotel dinner museum recipe garden weather meeting draft review parser bug fix'
).split(' ');

/** Chat-like text: words from a small vocabulary, so it compresses as real messages do. */
function sentence(random, words) {
  const out = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(random() * WORDS.length)]);
  return out.join(' ');
}

/**
 * About 1 % of the pages: new messages in the most recent sessions, edits of random older
 * messages, and a few deletions, in one transaction each as the app would write them. Each new
 * message also touches one random page of the primary-key index (ids are random UUIDs), and each
 * edit or deletion one random page, so the counts are set from the page budget.
 */
function churn(db, random, pageCount, round_) {
  const targetPages = Math.max(8, Math.round(pageCount * 0.01));
  const recent = db.prepare('SELECT id FROM sessions ORDER BY updated_at DESC LIMIT 5').all();
  const maxRow = db.prepare('SELECT max(rowid) AS n FROM messages').get().n;
  const nextSeq = db.prepare('SELECT coalesce(max(sequence), 0) + 1 AS n FROM messages WHERE session_id = ?');
  const insert = db.prepare(
    "INSERT INTO messages (id, session_id, sequence, role, content, token_count, created_at, metadata) VALUES (?, ?, ?, 'user', ?, 40, ?, '{}')",
  );
  const edit = db.prepare('UPDATE messages SET content = ? WHERE rowid = ?');
  const del = db.prepare('DELETE FROM messages WHERE rowid = ?');
  const newMessages = Math.round(targetPages * 0.35);
  const edits = Math.round(targetPages * 0.3);
  const deletions = Math.max(2, Math.round(targetPages * 0.02));
  db.transaction(() => {
    for (let i = 0; i < newMessages; i++) {
      const s = recent[i % recent.length].id;
      insert.run(crypto.randomUUID(), s, nextSeq.get(s).n, `round ${round_}: ${sentence(random, 150)}`, Date.now());
    }
  })();
  db.transaction(() => {
    for (let i = 0; i < edits; i++) edit.run(sentence(random, 120), 1 + Math.floor(random() * maxRow));
  })();
  db.transaction(() => {
    for (let i = 0; i < deletions; i++) del.run(1 + Math.floor(random() * maxRow));
  })();
}

export async function run(opts) {
  const log = opts.log ?? ((l) => console.error(l));
  const sizeMb = opts.sizeMb;
  const points = opts.points ?? 45;
  requireTools([
    { cmd: 'sqlite3', args: ['-version'], pkg: 'sqlite3' },
    { cmd: 'gzip', args: ['--version'], pkg: 'gzip' },
  ]);
  const free = fs.statfsSync?.(os.tmpdir());
  if (free && free.bavail * free.bsize < sizeMb * MiB * 6)
    throw new Error(`not enough free space in ${os.tmpdir()}: need about ${sizeMb * 6} MiB`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bench-store-'));
  let app = null;
  try {
    const bundle = await bundleApp(tmp);
    const { StrataApp } = require(bundle);
    const dataDir = path.join(tmp, 'data');
    const work = path.join(tmp, 'baseline');
    fs.mkdirSync(work);
    log(`building a ${sizeMb} MiB demo database`);
    const demo = await buildDemoDatabase(dataDir, sizeMb * MiB, log);
    app = await StrataApp.open({ dataDir, owner: 'cli', exclusive: true, diskProbe: roomyDisk });
    app.db.checkpoint();
    const dbFile = app.paths.database;
    const dbBytes = fs.statSync(dbFile).size;
    const pageCount = dbBytes / 4096;
    const delays = { full: delayMonitor(), incremental: delayMonitor(), restore: delayMonitor(), gc: delayMonitor() };

    log('baseline: sqlite3 .backup + gzip -1');
    const copy = path.join(work, 'backup.db');
    const baseSnapMs = timeShell(
      `sqlite3 ${shellQuote(dbFile)} ${shellQuote(`.backup ${copy}`)} && gzip -1 ${shellQuote(copy)}`,
      work,
    );
    const gzipBytes = fs.statSync(`${copy}.gz`).size;

    log('full snapshot into an empty store');
    const full = await delays.full.around(() => timed(() => app.snapshots.create({ tier: 'manual', label: 'full' })));
    const incrementalMs = [];
    const addedBytes = [];
    const random = seeded(1);
    for (let i = 1; i < points; i++) {
      churn(app.db.connection, random, pageCount, i);
      const r = await delays.incremental.around(() => timed(() => app.snapshots.create({ tier: 'manual' })));
      incrementalMs.push(r.ms);
      addedBytes.push(r.value.stored.sizeBytes);
      if (i % 10 === 0) log(`  ${i + 1}/${points} points`);
    }
    const stats = await app.snapshots.storeStats();
    const firstPages = (stats.perPoint[0]?.logicalBytes ?? 0) / 4096;
    const newPagesPerPoint = (stats.uniquePages - firstPages) / Math.max(1, points - 1);
    const breakdown = storeBreakdown(path.join(dataDir, 'backups', 'store'));

    log('baseline: gunzip + cp + integrity_check');
    const restored = path.join(work, 'restored.db');
    const baseRestoreMs = timeShell(
      `gunzip -c ${shellQuote(`${copy}.gz`)} > ${shellQuote(restored)} && cp ${shellQuote(restored)} ${shellQuote(`${restored}.2`)} && sqlite3 ${shellQuote(`${restored}.2`)} 'PRAGMA integrity_check' > /dev/null`,
      work,
    );
    // The newest point is the hardest to read: its pages are spread over every point's packs.
    log('restore of the newest point');
    const list = await app.snapshots.list();
    const restore = await delays.restore.around(() => timed(() => app.snapshots.restore(list[0].id)));
    await app.snapshots.idle();

    log('prune 30 points, then gc');
    const toDelete = (await app.snapshots.list())
      .filter((s) => s.tier === 'manual')
      .slice(-30)
      .map((s) => s.id);
    for (const id of toDelete) await app.snapshots.delete(id);
    const gc = await delays.gc.around(() => timed(() => app.snapshots.storeGc({ dryRun: false, graceMs: 0 })));
    const after = await app.snapshots.storeStats();

    const incMedian = median(incrementalMs);
    const ratios = {
      storeVsGzip: stats.storedBytes / gzipBytes,
      incrementalVsFull: incMedian / full.ms,
      fullVsBaseline: full.ms / baseSnapMs,
      restoreVsBaseline: restore.ms / baseRestoreMs,
      gcVsFull: gc.ms / full.ms,
    };
    const eld = Object.fromEntries(Object.entries(delays).map(([k, d]) => [k, d.summary()]));
    const worstP99 = Math.max(...Object.values(eld).map((d) => d.p99 ?? 0));
    const worstMax = Math.max(...Object.values(eld).map((d) => d.max ?? 0));
    const rows = [
      [
        'store size after all points',
        `${mb(stats.storedBytes)} MB`,
        `one gzip -1 copy: ${mb(gzipBytes)} MB`,
        round(ratios.storeVsGzip),
        '<= 2',
        passFail(ratios.storeVsGzip <= 2),
      ],
      [
        'incremental snapshot (median)',
        `${secs(incMedian)} s`,
        `full snapshot: ${secs(full.ms)} s`,
        round(ratios.incrementalVsFull),
        '<= 0.2',
        passFail(ratios.incrementalVsFull <= 0.2),
      ],
      [
        'full snapshot',
        `${secs(full.ms)} s`,
        `sqlite3 .backup + gzip -1: ${secs(baseSnapMs)} s`,
        round(ratios.fullVsBaseline),
        '<= 1.0',
        passFail(ratios.fullVsBaseline <= 1),
      ],
      [
        'restore (newest point)',
        `${secs(restore.ms)} s`,
        `gunzip + cp + integrity_check: ${secs(baseRestoreMs)} s`,
        round(ratios.restoreVsBaseline),
        '<= 1.5',
        passFail(ratios.restoreVsBaseline <= 1.5),
      ],
      [
        'gc after deleting 30 points',
        `${secs(gc.ms)} s (${mb(gc.value.bytesFreed)} MB freed)`,
        `full snapshot: ${secs(full.ms)} s`,
        round(ratios.gcVsFull),
        '<= 1.0',
        passFail(ratios.gcVsFull <= 1),
      ],
      [
        'event-loop delay p99 / max',
        `${worstP99} / ${worstMax} ms`,
        '',
        null,
        '<= 20 / 50',
        passFail(worstP99 <= 20 && worstMax <= 50),
      ],
    ];
    return {
      sizeMb,
      dbBytes,
      sessions: demo.sessions,
      points,
      seconds: {
        baselineSnapshot: secs(baseSnapMs),
        full: secs(full.ms),
        incrementalMedian: secs(incMedian),
        incrementalMax: secs(Math.max(...incrementalMs)),
        baselineRestore: secs(baseRestoreMs),
        restore: secs(restore.ms),
        gc: secs(gc.ms),
      },
      bytes: {
        gzipCopy: gzipBytes,
        storeAfterPoints: stats.storedBytes,
        storeAfterGc: after.storedBytes,
        firstPointAdded: full.value.stored.sizeBytes,
        medianIncrementAdded: median(addedBytes),
        logical: stats.logicalBytes,
        uniquePages: stats.uniquePages,
        newPagesPerPointMean: Math.round(newPagesPerPoint),
        churnShareOfPages: round(newPagesPerPoint / pageCount, 4),
        dedupRatio: round(stats.dedupRatio),
      },
      breakdown,
      ratios: Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, round(v)])),
      eventLoopDelayMs: eld,
      tables: [
        breakdownTable(breakdown, points),
        {
          title: `page store: ${points} points of a ${mb(dbBytes)} MiB database, ${round((100 * newPagesPerPoint) / pageCount, 2)} % new pages per point`,
          columns: ['measurement', 'value', 'baseline (same run)', 'ratio', 'goal', 'result'],
          rows,
        },
      ],
    };
  } finally {
    await app?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
