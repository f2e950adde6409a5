import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const DIST = path.join(ROOT, 'dist');
export const MAIN_BUNDLE = path.join(DIST, 'electron', 'main.cjs');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** Why the main bundles must be rebuilt, or null when dist/ is newer than every source file. */
export function staleReason(): string | null {
  if (!fs.existsSync(MAIN_BUNDLE)) return `${path.relative(ROOT, MAIN_BUNDLE)} is missing`;
  const built = fs.statSync(MAIN_BUNDLE).mtimeMs;
  if (newestMtime(path.join(ROOT, 'src-main')) > built) return 'a file in src-main/ is newer than the bundle';
  return null;
}

/**
 * A shell test that skipped whenever dist/ was missing would pass without checking anything.
 * Build instead, and fail with the build's own reason when that does not work.
 */
export function ensureMainBundle(): void {
  const reason = staleReason();
  if (reason) build(['--main'], reason, MAIN_BUNDLE);
}

export const RENDERER_INDEX = path.join(ROOT, 'dist-renderer', 'index.html');

/** The real-Electron spec also needs the renderer (a Vite build). */
export function ensureFullBuild(): void {
  const reason = staleReason() ?? (fs.existsSync(RENDERER_INDEX) ? null : 'dist-renderer/index.html is missing');
  if (reason) build([], reason, RENDERER_INDEX);
}

function build(args: string[], reason: string, expected: string): void {
  const command = ['scripts/build.mjs', ...args];
  const r = spawnSync(process.execPath, command, { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0 || !fs.existsSync(expected) || !fs.existsSync(MAIN_BUNDLE)) {
    throw new Error(
      `The built app is needed (${reason}) and 'node ${command.join(' ')}' failed ` +
        `(exit ${r.status}): ${(r.stderr || r.stdout || String(r.error)).trim().slice(0, 2000)}`,
    );
  }
}
