import { spawnSync } from 'node:child_process';
import path from 'node:path';

/** Workers and CLI child processes run the built bundles, so build them once per run. */
export default function setup(): void {
  const root = path.resolve(__dirname, '..');
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--main'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build of main bundles failed');
}
