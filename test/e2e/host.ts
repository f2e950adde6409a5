import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { chromium, type Browser } from 'playwright-core';

export const ROOT = path.resolve(__dirname, '..', '..');
export const SCREENSHOTS = path.join(ROOT, 'test-artifacts', 'screenshots');

/** The global setup builds main only; the screens need the renderer bundle too. */
export function ensureRendererBuilt(): void {
  if (fs.existsSync(path.join(ROOT, 'dist-renderer', 'index.html'))) return;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('building the renderer failed');
}

export interface Host {
  url: string;
  dataDir: string;
  child: ChildProcess;
  stderr: () => string;
  stop(): Promise<void>;
}

/** Runs `strata serve --port 0 --json` on a fresh data folder and waits for its {"url"} line. */
export async function startHost(): Promise<Host> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-e2e-'));
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'dist', 'cli.cjs'), '--data-dir', dataDir, 'serve', '--port', '0', '--json'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host did not start in time. stderr:\n${err}`)), 60_000);
    const lines = readline.createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const doc = JSON.parse(line) as { url?: string };
        if (doc.url) {
          clearTimeout(timer);
          resolve(doc.url);
        }
      } catch {
        // not the JSON line
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`host exited with ${code} before printing its URL. stderr:\n${err}`));
    });
  });
  return {
    url,
    dataDir,
    child,
    stderr: () => err,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Debian's Chromium; a browser is never downloaded. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.STRATA_CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
