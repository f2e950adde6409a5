import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { z } from 'zod';
import { defineCommand } from '../command';
import { noPositionals, wholeNumber } from './args';
import { StrataApp } from '../../app/strata-app';
import { StrataError } from '../../core/errors';
import { startHost } from '../../host/server';

/** The package root: dist/cli.cjs lives one level below it (source files two or three). */
function packageRoot(): string {
  let dir = typeof __dirname === 'string' ? __dirname : process.cwd();
  for (let i = 0; i < 5; i++) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
}

function newestMtime(dir: string): number {
  let newest = 0;
  if (!fs.existsSync(dir)) return 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * In a source checkout, builds the screens when they are missing or older than their sources,
 * so `strata serve` from a fresh clone opens the app. Packaged builds ship dist-renderer/.
 */
function ensureRendererBuilt(root: string, log: (s: string) => void): string {
  const out = path.join(root, 'dist-renderer');
  const config = path.join(root, 'src-renderer', 'vite.config.ts');
  if (!fs.existsSync(config)) return out;
  const index = path.join(out, 'index.html');
  const built = fs.existsSync(index) ? fs.statSync(index).mtimeMs : 0;
  const sources = Math.max(
    newestMtime(path.join(root, 'src-renderer')),
    newestMtime(path.join(root, 'src-main', 'contract')),
  );
  if (built >= sources) return out;
  log('Building the screens (vite)...\n');
  const r = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', config, '--logLevel', 'warn'],
    { cwd: root, stdio: ['ignore', 2, 2] },
  );
  if (r.status !== 0) log('warning: the screens could not be built; the API still works.\n');
  return out;
}

export const serveCommand = defineCommand({
  name: 'serve',
  summary: 'Run Strata headless on 127.0.0.1: the screens and the API in a browser, with backups running.',
  usage: 'serve [--port P]',
  options: {
    port: { type: 'string', description: 'port on 127.0.0.1 (default: a free one)' },
  },
  args: z.object({ positionals: noPositionals, port: wholeNumber('--port', 0, 65_535).optional() }),
  async run(ctx, a) {
    const rendererDir = process.env.STRATA_RENDERER_DIR
      ? path.resolve(process.env.STRATA_RENDERER_DIR)
      : ensureRendererBuilt(packageRoot(), (s) => process.stderr.write(s));
    const app = await StrataApp.open({
      dataDir: ctx.dataDir,
      owner: 'host',
      startBackgroundJobs: true,
      logger: ctx.logger,
    });
    let host: Awaited<ReturnType<typeof startHost>>;
    try {
      host = await startHost({ app, port: a.port ?? 0, rendererDir, logger: ctx.logger });
    } catch (e) {
      await app.close();
      if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new StrataError('port_in_use', `Port ${a.port} is in use. Pick another with --port, or leave it out.`);
      }
      throw e;
    }
    process.stdout.write(
      ctx.json ? JSON.stringify({ url: host.url }) + '\n' : `Strata is running at ${host.url}\nPress Ctrl+C to stop.\n`,
    );

    // Runs until a signal; the one JSON document is already out, so exit here rather than return.
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
        if (!ctx.json) process.stderr.write(`Stopping (${signal})...\n`);
        resolve();
      };
      const onInt = () => stop('SIGINT');
      const onTerm = () => stop('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
    });
    const force = setTimeout(() => {
      process.stderr.write('error: shutdown took too long; exiting.\n');
      process.exit(1);
    }, 45_000);
    try {
      await host.close();
      await app.close();
    } finally {
      clearTimeout(force);
    }
    process.exit(0);
  },
});
