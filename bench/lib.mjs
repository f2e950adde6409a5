// Small helpers shared by the bench sections: tables, statistics, tools, the app bundle.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = path.join(ROOT, 'dist');
const require = createRequire(import.meta.url);

export function median(values) {
  const v = [...values].sort((a, b) => a - b);
  if (!v.length) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export const round = (n, digits = 2) => (Number.isFinite(n) ? Math.round(n * 10 ** digits) / 10 ** digits : null);
export const MiB = 1024 * 1024;

/** Formats one table: { title, columns: string[], rows: (string|number|null)[][] } or rows as objects. */
export function formatTable(table) {
  const columns = table.columns ?? (table.rows[0] && !Array.isArray(table.rows[0]) ? Object.keys(table.rows[0]) : []);
  const rows = table.rows.map((r) => (Array.isArray(r) ? r : columns.map((c) => r[c])));
  const cell = (v) => (v === null || v === undefined ? '-' : String(v));
  const widths = columns.map((c, i) => Math.max(String(c).length, ...rows.map((r) => cell(r[i]).length)));
  const line = (cells) => '| ' + cells.map((c, i) => cell(c).padEnd(widths[i])).join(' | ') + ' |';
  const out = [`\n${table.title}`, line(columns), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|'];
  for (const r of rows) out.push(line(r));
  if (table.note) out.push(table.note);
  return out.join('\n');
}

export function printTables(tables) {
  for (const t of tables ?? []) console.log(formatTable(t));
}

/** Throws a clear error naming the missing command-line tools. */
export function requireTools(tools) {
  const missing = tools.filter(({ cmd, args }) => {
    const r = spawnSync(cmd, args, { stdio: 'ignore' });
    return r.error !== undefined || r.status !== 0;
  });
  if (missing.length) {
    throw new Error(
      `the baseline needs ${missing.map((m) => m.cmd).join(', ')} on PATH ` +
        `(Debian/Ubuntu: apt-get install ${[...new Set(missing.map((m) => m.pkg))].join(' ')})`,
    );
  }
}

/** Runs a shell command line and returns its wall time in ms; throws with stderr on failure. */
export function timeShell(line, cwd) {
  const started = performance.now();
  const r = spawnSync('/bin/sh', ['-c', line], { cwd, encoding: 'utf8', maxBuffer: 16 * MiB });
  const ms = performance.now() - started;
  if (r.status !== 0)
    throw new Error(`baseline command failed (${line}): ${(r.stderr || r.error?.message || '').trim()}`);
  return ms;
}

export const shellQuote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/**
 * Bundles the app's composition root (StrataApp) and the database layer from src-main into one
 * CommonJS file under `dir`, so the bench drives exactly the code the app runs. better-sqlite3
 * stays external, pointed at this checkout's copy so the bundle loads from any folder.
 */
export async function bundleApp(dir, extraExports = []) {
  const checkWorker = path.join(DIST, 'workers', 'snapshot.cjs');
  if (!fs.existsSync(path.join(DIST, 'cli.cjs')) || !fs.existsSync(checkWorker)) {
    throw new Error(`dist/ is not built: run 'node scripts/build.mjs --main' (or 'npm run bench', which builds first)`);
  }
  const { build } = await import('esbuild');
  const sqlitePath = require.resolve('better-sqlite3');
  const outfile = path.join(dir, 'strata-bench-app.cjs');
  await build({
    stdin: {
      contents: [
        `export { StrataApp } from './src-main/app/strata-app';`,
        `export { StrataDatabase } from './src-main/db';`,
        `export { APP_VERSION } from './src-main/core/app-version';`,
        ...extraExports,
      ].join('\n'),
      resolveDir: ROOT,
      loader: 'ts',
      sourcefile: 'bench-entry.ts',
    },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile,
    logLevel: 'warning',
    plugins: [
      {
        name: 'external-better-sqlite3',
        setup(b) {
          b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: sqlitePath, external: true }));
          b.onResolve({ filter: /^electron$/ }, () => ({ path: 'electron', external: true }));
        },
      },
    ],
  });
  // Workers are found through this variable, since the bundle lives outside dist/.
  process.env.STRATA_DIST_DIR = DIST;
  return outfile;
}
