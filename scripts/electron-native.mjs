#!/usr/bin/env node
// Produces .electron-native/better_sqlite3.node: better-sqlite3 built for the installed
// Electron's ABI, for `npm start`. node_modules keeps the Node build, so the Node tests and
// the CLI are untouched. Electron main points better-sqlite3 at this file through
// STRATA_SQLITE_BINDING. Needs the network (prebuilt download, or Electron headers to compile).
//
//   node scripts/electron-native.mjs           build unless already built for this Electron
//   node scripts/electron-native.mjs --force   build again
//   node scripts/electron-native.mjs --check   only say whether it is up to date (exit 1 if not)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, '.electron-native');
const outFile = path.join(outDir, 'better_sqlite3.node');
const stampFile = path.join(outDir, 'build.json');
const args = new Set(process.argv.slice(2));

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

const electronPkg = readJson(path.join(root, 'node_modules', 'electron', 'package.json'));
const sqlitePkg = readJson(path.join(root, 'node_modules', 'better-sqlite3', 'package.json'));
if (!electronPkg || !sqlitePkg) {
  console.error('electron-native: electron or better-sqlite3 is not installed; run npm install first.');
  process.exit(1);
}
const want = {
  electron: electronPkg.version,
  betterSqlite3: sqlitePkg.version,
  platform: process.platform,
  arch: process.arch,
};
const have = readJson(stampFile);
const upToDate = fs.existsSync(outFile) && have && Object.entries(want).every(([k, v]) => have[k] === v);

if (args.has('--check')) {
  console.log(
    upToDate ? `up to date for Electron ${want.electron}` : `missing or stale (want Electron ${want.electron})`,
  );
  process.exit(upToDate ? 0 : 1);
}
if (upToDate && !args.has('--force')) {
  console.log(`electron-native: better-sqlite3 ${want.betterSqlite3} already built for Electron ${want.electron}.`);
  process.exit(0);
}

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
function run(cmd, cmdArgs, cwd) {
  console.log(`electron-native: ${cmd} ${cmdArgs.join(' ')}`);
  const r = spawnSync(cmd, cmdArgs, { cwd, stdio: 'inherit', shell: process.platform === 'win32' });
  return r.status === 0;
}

// Work on a copy so node_modules/better-sqlite3 keeps its Node build.
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-electron-native-'));
const pkgDir = path.join(work, 'better-sqlite3');
try {
  fs.cpSync(path.join(root, 'node_modules', 'better-sqlite3'), pkgDir, { recursive: true });
  fs.rmSync(path.join(pkgDir, 'build'), { recursive: true, force: true });

  const target = `--target=${want.electron}`;
  const built =
    run(npx, ['--yes', 'prebuild-install', '--runtime=electron', target, `--arch=${want.arch}`, '--verbose'], pkgDir) ||
    run(
      npx,
      [
        '--yes',
        'node-gyp',
        'rebuild',
        '--release',
        '--runtime=electron',
        target,
        `--arch=${want.arch}`,
        '--dist-url=https://electronjs.org/headers',
      ],
      pkgDir,
    );
  const produced = path.join(pkgDir, 'build', 'Release', 'better_sqlite3.node');
  if (!built || !fs.existsSync(produced)) {
    console.error(
      'electron-native: could not get better-sqlite3 for Electron ' +
        `${want.electron} (no prebuilt download and no compiler/headers). ` +
        'This needs the network; the Node tests do not need it.',
    );
    process.exit(1);
  }
  fs.mkdirSync(outDir, { recursive: true });
  // Copy under a temp name, then rename, so a half-written binary is never picked up.
  const tmp = `${outFile}.tmp-${process.pid}`;
  fs.copyFileSync(produced, tmp);
  fs.renameSync(tmp, outFile);
  fs.writeFileSync(stampFile, JSON.stringify({ ...want, builtAt: new Date().toISOString() }, null, 2) + '\n');
  console.log(`electron-native: wrote ${path.relative(root, outFile)} for Electron ${want.electron}.`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
