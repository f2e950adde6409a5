import path from 'node:path';
import { build } from 'esbuild';

/** Waits until `cond` holds, checking after each turn of the event loop's timers (no fixed sleep). */
export async function until(cond: () => boolean, what = 'condition', timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const ROOT = path.resolve(__dirname, '..', '..');

/** Bundles a child-process script of this folder into test-artifacts/bundles/NAME.cjs. */
export async function bundleChild(name: string): Promise<string> {
  const outfile = path.join(ROOT, 'test-artifacts', 'bundles', `${name}.cjs`);
  await build({
    entryPoints: [path.join(__dirname, `${name}.ts`)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    external: ['better-sqlite3', 'electron'],
    logLevel: 'warning',
  });
  return outfile;
}

export { shipperDataFor } from './shipper-data';

/** Child processes find the built worker bundles here. */
export const childEnv = (): NodeJS.ProcessEnv => ({ ...process.env, STRATA_DIST_DIR: path.join(ROOT, 'dist') });
