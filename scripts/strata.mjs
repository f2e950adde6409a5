#!/usr/bin/env node
// Runs the strata CLI, rebuilding the bundle first when any main-process source is newer.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundle = path.join(root, 'dist', 'cli.cjs');

function newestSource(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

const srcDir = path.join(root, 'src-main');
if (fs.existsSync(srcDir)) {
  const built = fs.existsSync(bundle) ? fs.statSync(bundle).mtimeMs : 0;
  if (built < newestSource(srcDir)) {
    const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--main'], {
      stdio: ['ignore', 2, 2],
    });
    if (r.status !== 0) {
      process.stderr.write('error: could not build the strata CLI (see above)\n');
      process.exit(1);
    }
  }
}
createRequire(import.meta.url)(bundle);
