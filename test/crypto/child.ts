import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';

const root = path.resolve(__dirname, '..', '..');
let bundle: string | null = null;
let bundleDir: string | null = null;

/** The child script, bundled once per test file. */
function childScript(): string {
  if (bundle) return bundle;
  bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-key-child-'));
  bundle = path.join(bundleDir, 'key-child.cjs');
  buildSync({
    entryPoints: [path.join(root, 'test/crypto/fixtures/key-child.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: bundle,
    logLevel: 'error',
  });
  return bundle;
}

export function removeChildBundle(): void {
  if (bundleDir) fs.rmSync(bundleDir, { recursive: true, force: true });
  bundle = null;
  bundleDir = null;
}

export interface KeyChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  result: { ok: boolean; error?: { code: string; message: string }; [k: string]: unknown } | null;
  /** ms from "ready" to exit or kill. */
  ranMs: number;
  stderr: string;
}

/**
 * Runs the child. `onReady(child)` is called when it says "ready"; a test kills it from there
 * (after a delay, or once something it waits for has happened).
 */
export function runKeyChild(args: string[], onReady?: (child: ChildProcess) => void): Promise<KeyChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childScript(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let readyAt: number | null = null;
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (readyAt === null && out.includes('ready\n')) {
        readyAt = performance.now();
        onReady?.(child);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const line = out.split('\n').find((l) => l.startsWith('{'));
      resolve({
        code,
        signal,
        result: line ? JSON.parse(line) : null,
        ranMs: readyAt === null ? 0 : performance.now() - readyAt,
        stderr: err,
      });
    });
  });
}
