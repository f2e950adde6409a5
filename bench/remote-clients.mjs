#!/usr/bin/env node
// Bundles bench/remote-clients.ts with esbuild and runs it (see that file for how to run it).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bench-remotes-'));
const out = path.join(dir, 'remote-clients.cjs');
try {
  await build({
    entryPoints: [path.join(root, 'bench', 'remote-clients.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: out,
    external: ['aws4fetch', 'sax', 's3rver', 'vitest'],
    logLevel: 'warning',
  });
  // The s3rver child script is found next to the bundle.
  fs.copyFileSync(path.join(root, 'test/helpers/servers/s3rver-child.cjs'), path.join(dir, 's3rver-child.cjs'));
  const r = spawnSync(process.execPath, [out, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_PATH: path.join(root, 'node_modules') },
  });
  process.exitCode = r.status ?? 1;
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
