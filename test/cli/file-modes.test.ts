import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_BUNDLE } from '../helpers/cli';

/**
 * The data folder is owner-only: the database holds API keys. Every process here runs under
 * umask 022, where files a program does not protect come out 0644 and folders 0755, so each
 * 0600/0700 below was set on purpose by Strata.
 */
const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-modes-'));
afterAll(() => fs.rmSync(sandbox, { recursive: true, force: true }));

const rendererDir = path.join(sandbox, 'renderer');
fs.mkdirSync(rendererDir);
fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Strata</title>');

const mode = (p: string) => (fs.statSync(p).mode & 0o777).toString(8).padStart(4, '0');

/** A command under umask 022, as from a login shell. */
function spawnUnderUmask(args: string[]): ChildProcess {
  return spawn('/bin/sh', ['-c', 'umask 022 && exec "$0" "$@"', process.execPath, ...args], {
    env: { ...process.env, STRATA_RENDERER_DIR: rendererDir, STRATA_DEBUG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function strata(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnUnderUmask([CLI_BUNDLE, ...args]);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.stdout!.resume();
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

interface Served {
  origin: string;
  token: string;
  stop(): Promise<void>;
}

/** `strata serve` holds the live connection open, so the -wal and -shm files exist while it runs. */
async function serve(dataDir: string): Promise<Served> {
  const child = spawnUnderUmask([CLI_BUNDLE, '--data-dir', dataDir, 'serve', '--port', '0', '--json']);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const url = await new Promise<URL>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('{"url"')) resolve(new URL((JSON.parse(line) as { url: string }).url));
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
  return {
    origin: url.origin,
    token: url.searchParams.get('token')!,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe.skipIf(process.platform === 'win32')('file modes in the data folder (POSIX)', () => {
  it('a fresh folder: 0700 folders, 0600 database, WAL, lock, snapshots and uploads', async () => {
    const dir = path.join(sandbox, 'fresh', 'data');
    const demo = await strata(['--data-dir', dir, 'demo', '--sessions', '3', '--messages-per-session', '4']);
    expect(demo.code, demo.stderr).toBe(0);
    const backup = await strata(['--data-dir', dir, 'backup', '--label', 'modes']);
    expect(backup.code, backup.stderr).toBe(0);

    expect(mode(dir)).toBe('0700');
    expect(mode(path.join(dir, 'strata.db'))).toBe('0600');
    expect(mode(path.join(dir, 'backups'))).toBe('0700');
    const snapshotFiles = filesUnder(path.join(dir, 'backups'));
    // The page store's packs, index, manifest and dictionary: every one private.
    expect(snapshotFiles.some((f) => f.endsWith('.pack'))).toBe(true);
    expect(snapshotFiles.some((f) => f.includes(`${path.sep}manifests${path.sep}`))).toBe(true);
    for (const f of snapshotFiles) expect(mode(f), path.relative(dir, f)).toBe('0600');

    const host = await serve(dir);
    try {
      for (const f of ['strata.db', 'strata.db-wal', 'strata.db-shm', 'strata.lock']) {
        expect(mode(path.join(dir, f)), f).toBe('0600');
      }
      const up = await fetch(`${host.origin}/api/upload?name=notes.json`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/octet-stream' },
        body: JSON.stringify({ apiKey: 'sk-test' }),
      });
      expect(up.status).toBe(200);
      expect(mode(path.join(dir, 'transfers'))).toBe('0700');
      const uploads = filesUnder(path.join(dir, 'transfers'));
      expect(uploads).toHaveLength(1);
      expect(mode(uploads[0]!)).toBe('0600');
    } finally {
      await host.stop();
    }
  });

  it('a folder left open to others, after a crash, is tightened before the database opens', async () => {
    const dir = path.join(sandbox, 'loose');
    const created = await strata(['--data-dir', dir, 'demo', '--sessions', '2', '--messages-per-session', '2']);
    expect(created.code, created.stderr).toBe(0);
    // A writer killed mid-session leaves its -wal and -shm behind; an older Strata left 0644 and 0755.
    const writer = spawnUnderUmask([
      '-e',
      `const D = require(${JSON.stringify(require.resolve('better-sqlite3'))});
       const db = new D(${JSON.stringify(path.join(dir, 'strata.db'))});
       db.pragma('journal_mode = WAL');
       db.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('crash.test', '1', 1)").run();
       process.stdout.write('written\\n');
       setInterval(() => {}, 1000);`,
    ]);
    await new Promise<void>((resolve, reject) => {
      writer.stdout!.once('data', () => resolve());
      writer.on('exit', (code) => reject(new Error(`writer exited ${code}`)));
    });
    const killed = new Promise((r) => writer.once('exit', r));
    writer.kill('SIGKILL');
    await killed;
    for (const f of ['strata.db', 'strata.db-wal', 'strata.db-shm']) fs.chmodSync(path.join(dir, f), 0o644);
    fs.chmodSync(dir, 0o755);
    fs.chmodSync(path.join(dir, 'backups'), 0o755);

    const host = await serve(dir);
    try {
      expect(mode(dir)).toBe('0700');
      expect(mode(path.join(dir, 'backups'))).toBe('0700');
      for (const f of ['strata.db', 'strata.db-wal', 'strata.db-shm']) expect(mode(path.join(dir, f)), f).toBe('0600');
    } finally {
      await host.stop();
    }
  });
});
