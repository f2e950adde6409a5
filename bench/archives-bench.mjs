#!/usr/bin/env node
// Session archive benchmark: export and import of one 100k-message session, against
// `sqlite3 -json "<that session's messages>" | gzip -6` measured in the same run.
// Usage: node bench/archives-bench.mjs [--messages N] [--keep]
// Each measured phase runs in its own child process, so peak RSS belongs to that phase alone.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SELF = fileURLToPath(import.meta.url);
const BUNDLE = path.join(root, 'dist', 'bench', 'archives.cjs');
const SQLITE = '/usr/bin/sqlite3';

async function bundleArchives() {
  const { build } = await import('esbuild');
  await build({
    absWorkingDir: root,
    entryPoints: ['src-main/archives/index.ts'],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['better-sqlite3', 'electron'],
    outfile: BUNDLE,
    logLevel: 'warning',
  });
}

/** Child-process side: one phase, measured from inside. */
async function phase(kind, args) {
  const lib = createRequire(import.meta.url)(BUNDLE);
  const h = monitorEventLoopDelay({ resolution: 10 });
  let progressEvents = 0;
  h.enable();
  const started = performance.now();
  const onProgress = () => progressEvents++;
  const result =
    kind === 'export'
      ? await lib.exportSessionArchive(args.db, args.session, args.out, { onProgress })
      : await lib.importSessionArchive(args.db, args.file, { allowDuplicate: true, onProgress });
  const seconds = (performance.now() - started) / 1000;
  h.disable();
  const ms = (ns) => Math.round(ns / 1e4) / 100;
  return {
    seconds,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    eventLoopDelayMs: { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) },
    progressEvents,
    messages: result.messageCount,
    bytes: result.bytes ?? null,
  };
}

function runPhase(kind, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SELF, '--phase', kind, JSON.stringify(args)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${kind} phase failed (exit ${code})`));
      resolve(JSON.parse(out));
    });
  });
}

function baseline(db, sessionId, out) {
  // GNU time reports each process's peak RSS (KB) on stderr.
  const sql = `SELECT * FROM messages WHERE session_id='${sessionId}' ORDER BY sequence`;
  const script = `/usr/bin/time -f 'rss %M' ${SQLITE} '${db}' -json "${sql}" | /usr/bin/time -f 'rss %M' gzip -6 > '${out}'`;
  const started = performance.now();
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', script], { encoding: 'utf8' });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`baseline failed: ${r.stderr}`);
  const rss = [...r.stderr.matchAll(/rss (\d+)/g)].map((m) => Math.round(Number(m[1]) / 1024));
  return { seconds, peakRssMb: Math.max(...rss), bytes: fs.statSync(out).size };
}

/** Builds the data folder, runs baseline, export and import; returns every figure. */
export async function run(opts = {}) {
  const messages = opts.messages ?? 100_000;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-archives-bench-'));
  try {
    if (!fs.existsSync(path.join(root, 'dist', 'cli.cjs'))) {
      spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--main'], { stdio: 'inherit' });
    }
    await bundleArchives();
    const data = path.join(work, 'data');
    const demo = spawnSync(
      process.execPath,
      [
        path.join(root, 'dist', 'cli.cjs'),
        '--data-dir',
        data,
        'demo',
        '--sessions',
        '1',
        '--messages-per-session',
        String(messages),
      ],
      { encoding: 'utf8' },
    );
    if (demo.status !== 0) throw new Error(`demo data failed: ${demo.stderr}`);
    const db = path.join(data, 'strata.db');
    const sessionId = spawnSync(SQLITE, [db, 'SELECT id FROM sessions LIMIT 1'], { encoding: 'utf8' }).stdout.trim();
    const dbBytes = fs.statSync(db).size;

    const base = baseline(db, sessionId, path.join(work, 'baseline.json.gz'));
    const archive = path.join(work, 'session.json.gz');
    const exp = await runPhase('export', { db, session: sessionId, out: archive });
    const imp = await runPhase('import', { db, file: archive });
    const results = {
      bench: 'archives',
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version, loadavg: os.loadavg() },
      messages,
      databaseBytes: dbBytes,
      baseline: base,
      export: { ...exp, ratio: exp.seconds / base.seconds },
      import: { ...imp, ratio: imp.seconds / base.seconds },
      goals: { ratio: 1.5, p99Ms: 20 },
    };
    return results;
  } finally {
    if (!opts.keep) fs.rmSync(work, { recursive: true, force: true });
  }
}

function printTable(r) {
  const row = (name, x) =>
    `${name.padEnd(22)}${x.seconds.toFixed(2).padStart(8)} s${(x.ratio ? x.ratio.toFixed(2) + 'x' : '1.00x').padStart(8)}` +
    `${String(x.peakRssMb).padStart(8)} MB` +
    (x.eventLoopDelayMs
      ? `${String(x.eventLoopDelayMs.p50).padStart(8)}${String(x.eventLoopDelayMs.p99).padStart(8)}${String(x.eventLoopDelayMs.max).padStart(8)}`
      : '       -       -       -') +
    `${x.bytes !== null && x.bytes !== undefined ? String(x.bytes).padStart(12) : '           -'}`;
  return [
    `archives bench: ${r.messages} messages (database ${(r.databaseBytes / 1e6).toFixed(0)} MB), load ${r.machine.loadavg.map((l) => l.toFixed(1)).join(' ')}`,
    `${'phase'.padEnd(22)}${'time'.padStart(10)}${'ratio'.padStart(8)}${'peak RSS'.padStart(11)}${'ELD p50'.padStart(8)}${'p99'.padStart(8)}${'max'.padStart(8)}${'bytes'.padStart(12)}`,
    row('baseline sqlite3|gzip', r.baseline),
    row('session export', r.export),
    row('session import', r.import),
    `goal: ratio <= ${r.goals.ratio}x, event-loop p99 <= ${r.goals.p99Ms} ms (ELD in ms, main thread of the process doing the work)`,
  ].join('\n');
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === SELF;
if (isMain) {
  const i = process.argv.indexOf('--phase');
  if (i >= 0) {
    const out = await phase(process.argv[i + 1], JSON.parse(process.argv[i + 2]));
    process.stdout.write(JSON.stringify(out));
  } else {
    const m = process.argv.indexOf('--messages');
    const results = await run({
      ...(m >= 0 ? { messages: Number(process.argv[m + 1]) } : {}),
      keep: process.argv.includes('--keep'),
    });
    console.log(printTable(results));
    const dir = path.join(root, 'bench', 'results');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `archives-${results.at.replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
    console.log(`results: ${path.relative(root, file)}`);
  }
}
