// Points section of `npm run bench`: looking inside a point and bringing back one session.
// On a database of --size-mb (default 256): open a point and list its sessions, diff it
// against now, restore one 1,000-message session (a pinned safety snapshot first), and the
// recently deleted view (first run, then cached), each with the main thread's event-loop delay.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { MiB, bundleApp, round } from './lib.mjs';

const require = createRequire(import.meta.url);
const MESSAGES_PER_SESSION = 1000;
const GOAL_RESTORE_S = 5;
const GOAL_P99_MS = 20;

/** Seeded filler text: about 1.6 KB per message, varied enough that compression is realistic. */
export function filler(seed) {
  let x = seed >>> 0 || 1;
  const words = ['alpha', 'table', 'WAL', 'session', 'restore', 'kyoto', 'parser', 'backup', 'point', 'diff', 'page'];
  const out = [];
  for (let i = 0; i < 230; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.push(words[(x >>> 0) % words.length] + ((x >>> 8) % 97));
  }
  return out.join(' ');
}

/** Writes sessions of 1,000 messages straight through the app's connection until the file reaches the size. */
export function fillDatabase(app, targetBytes) {
  const conn = app.db.connection;
  const insertSession = conn.prepare(
    `INSERT INTO sessions (id, title, model, created_at, updated_at) VALUES (?, ?, 'bench', ?, ?)`,
  );
  const insertMessage = conn.prepare(
    `INSERT INTO messages (id, session_id, sequence, role, content, token_count, created_at) VALUES (?, ?, ?, ?, ?, 0, ?)`,
  );
  const ids = [];
  let n = 0;
  const size = () =>
    fs.statSync(app.paths.database).size +
    (fs.existsSync(`${app.paths.database}-wal`) ? fs.statSync(`${app.paths.database}-wal`).size : 0);
  while (size() < targetBytes) {
    conn.transaction(() => {
      const id = crypto.randomUUID();
      const at = Date.UTC(2026, 0, 1) + n * 60_000;
      insertSession.run(id, `Bench session ${n}`, at, at);
      for (let j = 0; j < MESSAGES_PER_SESSION; j++) {
        insertMessage.run(crypto.randomUUID(), id, j + 1, j % 2 ? 'assistant' : 'user', filler(n * 7919 + j), at + j);
      }
      ids.push(id);
    })();
    n++;
    if (n % 20 === 0) app.db.checkpoint();
  }
  app.db.checkpoint();
  return ids;
}

/** Times one async step with a fresh event-loop delay histogram. */
async function measured(fn) {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const started = performance.now();
  const result = await fn();
  const ms = performance.now() - started;
  await new Promise((r) => setTimeout(r, 25));
  h.disable();
  return {
    result,
    seconds: round(ms / 1000, 2),
    eventLoopDelayMs: {
      p50: round(h.percentile(50) / 1e6, 1),
      p99: round(h.percentile(99) / 1e6, 1),
      max: round(h.max / 1e6, 1),
    },
  };
}

export async function run(opts) {
  const log = opts.log ?? ((l) => console.error(l));
  const targetBytes = opts.sizeMb * MiB;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bench-points-'));
  let app = null;
  try {
    const bundle = await bundleApp(tmp);
    const { StrataApp } = require(bundle);
    const dataDir = path.join(tmp, 'data');
    app = await StrataApp.open({ dataDir, owner: 'cli', exclusive: true });
    log(`building a ${opts.sizeMb} MiB database in ${dataDir}`);
    const ids = fillDatabase(app, targetBytes);
    const dbBytes = fs.statSync(app.paths.database).size;
    log(`  ${round(dbBytes / MiB, 1)} MiB, ${ids.length} sessions of ${MESSAGES_PER_SESSION} messages`);
    const point = await app.snapshots.create({ tier: 'manual' });
    // The common day: one session deleted by mistake, and work elsewhere goes on.
    const target = ids[Math.floor(ids.length / 2)];
    app.db.sessions.delete(target);
    app.db.messages.append(ids[0], { role: 'user', content: 'written after the point' });

    const phaseTimes = {};
    app.events.on('progress', (p) => {
      if (p.kind === 'session-restore') phaseTimes[p.phase] = performance.now();
    });
    log('  open the point and list its sessions');
    const browse = await measured(() => app.points.browse(point.id));
    log('  diff against now');
    const diff = await measured(() => app.points.diff(point.id));
    if (diff.result.totals.deletedSince !== 1)
      throw new Error(`the diff found ${diff.result.totals.deletedSince} deleted sessions, not 1`);
    log('  restore the deleted 1,000-message session (point already open)');
    const t0 = performance.now();
    const restore = await measured(() => app.points.restoreSessions(point.id, [target], 'replace'));
    const safetyS = round(((phaseTimes.writing ?? t0) - (phaseTimes['safety snapshot'] ?? t0)) / 1000, 2);
    const writeS = round(((phaseTimes.done ?? t0) - (phaseTimes.writing ?? t0)) / 1000, 2);
    if (app.db.messages.countForSession(target) !== MESSAGES_PER_SESSION)
      throw new Error('the session did not come back whole');
    log('  recently deleted: first run, then cached');
    app.db.sessions.delete(ids[1]);
    const deletedFirst = await measured(() => app.points.recentlyDeleted());
    const deletedCached = await measured(() => app.points.recentlyDeleted());

    const phases = {
      openAndList: { seconds: browse.seconds, eventLoopDelayMs: browse.eventLoopDelayMs },
      diff: { seconds: diff.seconds, eventLoopDelayMs: diff.eventLoopDelayMs },
      restoreOneSession: { seconds: restore.seconds, eventLoopDelayMs: restore.eventLoopDelayMs },
      recentlyDeletedFirst: { seconds: deletedFirst.seconds, eventLoopDelayMs: deletedFirst.eventLoopDelayMs },
      recentlyDeletedCached: { seconds: deletedCached.seconds, eventLoopDelayMs: deletedCached.eventLoopDelayMs },
    };
    const worstP99 = Math.max(...Object.values(phases).map((p) => p.eventLoopDelayMs.p99));
    const r2 = (n) => round(n, 2);
    return {
      databaseMiB: round(dbBytes / MiB, 1),
      sessions: ids.length,
      messages: ids.length * MESSAGES_PER_SESSION,
      phases,
      restoreBreakdown: { safetySnapshotSeconds: safetyS, writeSeconds: writeS },
      goals: {
        restoreWithin5s: restore.seconds <= GOAL_RESTORE_S ? 'PASS' : 'FAIL',
        eventLoopP99Max20ms: worstP99 <= GOAL_P99_MS ? 'PASS' : 'FAIL',
      },
      tables: [
        {
          title: `Points: ${round(dbBytes / MiB, 1)} MiB, ${ids.length} sessions x ${MESSAGES_PER_SESSION} messages (goals: session back <= ${GOAL_RESTORE_S} s, ELD p99 <= ${GOAL_P99_MS} ms)`,
          columns: ['phase', 'seconds', 'ELD p50', 'ELD p99', 'ELD max'],
          rows: Object.entries(phases).map(([k, v]) => [
            k,
            r2(v.seconds),
            v.eventLoopDelayMs.p50,
            v.eventLoopDelayMs.p99,
            v.eventLoopDelayMs.max,
          ]),
          note: `restoreOneSession = safety snapshot ${safetyS} s + write ${writeS} s (+ planning)`,
        },
      ],
    };
  } finally {
    await app?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
