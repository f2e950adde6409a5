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
  if (!reason) return;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs'), '--main'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0 || !fs.existsSync(MAIN_BUNDLE)) {
    throw new Error(
      `The Electron main bundle is needed (${reason}) and 'node scripts/build.mjs --main' failed ` +
        `(exit ${r.status}): ${(r.stderr || r.stdout || String(r.error)).trim().slice(0, 2000)}`,
    );
  }
}
