import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';

const root = path.resolve(__dirname, '..', '..');
let bundle: string | null = null;

/** The child script bundled once per test file, so the child starts as fast as plain Node allows. */
export function childScript(): string {
  if (bundle) return bundle;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-ps-child-'));
  bundle = path.join(dir, 'store-child.cjs');
  buildSync({
    entryPoints: [path.join(root, 'test/page-store/fixtures/store-child.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: bundle,
    external: ['better-sqlite3'],
    nodePaths: [path.join(root, 'node_modules')],
    logLevel: 'error',
  });
  return bundle;
}

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  stdout: string;
  /** ms from the child's "ready" line to its exit (or its kill). */
  ranMs: number;
  finished: boolean;
}

/**
 * Runs the child; with `killAfterMs`, sends SIGKILL that long after the child says it is ready
 * (so module loading is not counted as part of the operation).
 */
export function runChild(args: string[], killAfterMs?: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childScript(), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_PATH: path.join(root, 'node_modules') },
    });
    let out = '';
    let err = '';
    let readyAt: number | null = null;
    let finished = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (readyAt === null && out.includes('ready\n')) {
        readyAt = performance.now();
        if (killAfterMs !== undefined) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
      if (out.includes('done\n')) finished = true;
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const ranMs = readyAt === null ? 0 : performance.now() - readyAt;
      resolve({ code, signal, stderr: err, stdout: out, ranMs, finished });
    });
  });
}
