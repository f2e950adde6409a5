#!/usr/bin/env node
// Builds the main-process bundles (CLI, workers, Electron main and preload) with esbuild and,
// unless --main is given, the renderer with Vite. Needs no Electron binary.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const mainOnly = process.argv.includes('--main');

function findWorkers(dir, out = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) findWorkers(p, out);
    else if (entry.name.endsWith('.worker.ts')) out.push(p);
  }
  return out;
}

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  logLevel: 'warning',
  // Native and Electron modules are loaded at run time, never bundled.
  external: ['better-sqlite3', 'electron'],
};

const entries = [{ in: 'src-main/cli/entry.ts', out: 'cli' }];
for (const w of findWorkers(path.join(root, 'src-main'))) {
  entries.push({ in: path.relative(root, w), out: 'workers/' + path.basename(w, '.worker.ts') });
}
for (const e of ['main', 'preload']) {
  const src = `src-main/electron/${e}.ts`;
  if (fs.existsSync(path.join(root, src))) entries.push({ in: src, out: `electron/${e}` });
}

await build({
  ...common,
  absWorkingDir: root,
  entryPoints: entries,
  outdir: path.join(root, 'dist'),
  outExtension: { '.js': '.cjs' },
});
fs.writeFileSync(path.join(root, 'dist', '.build-stamp'), String(Date.now()));

if (!mainOnly && fs.existsSync(path.join(root, 'src-renderer', 'vite.config.ts'))) {
  const r = spawnSync(
    process.execPath,
    [
      path.join(root, 'node_modules/vite/bin/vite.js'),
      'build',
      '--config',
      'src-renderer/vite.config.ts',
      '--logLevel',
      'warn',
    ],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  if (r.status !== 0) process.exit(r.status ?? 1);
}
