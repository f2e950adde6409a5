import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from './errors';

/**
 * Worker threads run built bundles (dist/workers/NAME.cjs): the app, the CLI and the tests all
 * use the same file. Bundled code finds them next to itself; source code (tests) walks up to
 * the package root.
 */
export function workerScriptPath(name: string): string {
  const file = `${name}.cjs`;
  const candidates: string[] = [];
  if (process.env.STRATA_DIST_DIR) candidates.push(path.join(process.env.STRATA_DIST_DIR, 'workers', file));
  let dir = typeof __dirname === 'string' ? __dirname : process.cwd();
  for (let i = 0; i < 6; i++) {
    // Packaged apps keep workers inside app.asar (never app.asar.unpacked, which no integrity check covers).
    candidates.push(path.join(dir, 'workers', file), path.join(dir, 'dist', 'workers', file));
    dir = path.dirname(dir);
  }
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new StrataError('not_built', `Worker ${name} is not built. Run 'npm run build'.`);
  return found;
}
