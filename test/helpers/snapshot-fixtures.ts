import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StrataApp } from '../../src-main/app/strata-app';
import type { DiskSpace } from '../../src-main/snapshots';
import type { VerifyResult } from '../../src-main/snapshots/engine';
import { CLI_BUNDLE, runStrata, type CliRun } from './cli';

/** Helpers shared by the snapshot engine tests: folders, content hashes and CLI runs. */

const ROOT = path.resolve(__dirname, '..', '..');

export const dbFileOf = (dataDir: string) => path.join(dataDir, 'strata.db');
export const snapshotsDirOf = (dataDir: string) => path.join(dataDir, 'backups', 'snapshots');

/** Plenty of free space, so the free-disk guard never interferes unless a test wants it to. */
export const roomyDisk = async (): Promise<DiskSpace> => ({ freeBytes: 500 * 1024 ** 3, totalBytes: 1000 * 1024 ** 3 });

/** Runs the CLI with --json and fails loudly (with its stderr) unless it exits 0. */
export async function strataJson<T>(dataDir: string, args: string[]): Promise<T> {
  const r = await runStrata(['--data-dir', dataDir, '--json', ...args]);
  if (r.code !== 0) throw new Error(`strata ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.json as T;
}

/**
 * A snapshot in the earlier format (one `.db.gz` and its `.json` sidecar), which stays readable:
 * the tests of that format's damage modes make theirs this way, in-process.
 */
export async function gzipBackup(dataDir: string, label: string | null = null) {
  const app = await StrataApp.open({ dataDir, owner: 'cli', diskProbe: roomyDisk, snapshotFormat: 'gzip' });
  try {
    const {
      storedPath: _s,
      sidecarPath: _p,
      storage: _k,
      ...sidecar
    } = await app.snapshots.create({ tier: 'manual', label }).then((s) => app.snapshots.get(s.id));
    return { ...sidecar, storedPath: path.join(snapshotsDirOf(dataDir), sidecar.stored.file) };
  } finally {
    await app.close();
  }
}

export function strata(dataDir: string, args: string[]): Promise<CliRun> {
  return runStrata(['--data-dir', dataDir, ...args]);
}

export async function addDemo(dataDir: string, sessions: number, messagesPerSession: number, seed: number) {
  await strataJson(dataDir, [
    'demo',
    '--sessions',
    String(sessions),
    '--messages-per-session',
    String(messagesPerSession),
    '--seed',
    String(seed),
  ]);
}

function openReadonly(file: string): Database.Database {
  return new Database(file, { readonly: true, fileMustExist: true });
}

/** What a person sees: every row of sessions and messages, hashed in a stable order. */
export function contentHash(dbFile: string): string {
  const db = openReadonly(dbFile);
  try {
    const hash = crypto.createHash('sha256');
    for (const table of ['sessions', 'messages']) {
      hash.update(`#${table}\n`);
      for (const row of db.prepare(`SELECT * FROM ${table} ORDER BY id`).iterate()) {
        hash.update(JSON.stringify(row) + '\n');
      }
    }
    return hash.digest('hex');
  } finally {
    db.close();
  }
}

export function rowCounts(dbFile: string): { sessions: number; messages: number } {
  const db = openReadonly(dbFile);
  try {
    const count = (t: string) => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    return { sessions: count('sessions'), messages: count('messages') };
  } finally {
    db.close();
  }
}

/** PRAGMA integrity_check lines; ['ok'] for a sound file. */
export function integrityCheck(dbFile: string): string[] {
  const db = openReadonly(dbFile);
  try {
    return (db.pragma('integrity_check') as Record<string, string>[]).map((r) => String(Object.values(r)[0]));
  } finally {
    db.close();
  }
}

/** Opens the folder as a lock-holding process would at start (crash recovery runs), then closes it. */
export async function recoverLikeNextStart(dataDir: string): Promise<void> {
  const app = await StrataApp.open({ dataDir, owner: 'cli', exclusive: true, diskProbe: roomyDisk });
  await app.close();
}

/** What `strata list` then `strata verify --all` would report, in-process. */
export async function verifyEverythingListed(dataDir: string) {
  const app = await StrataApp.open({ dataDir, owner: 'cli', diskProbe: roomyDisk });
  try {
    const list = await app.snapshots.list();
    const results: VerifyResult[] = [];
    for (const s of list) results.push(await app.snapshots.verify(s.id));
    return { list, results };
  } finally {
    await app.close();
  }
}

export interface KilledRun {
  /** True when SIGKILL ended the child; false when it finished before the kill was due. */
  killed: boolean;
  code: number | null;
  stderr: string;
  /** The last progress line the child printed before it died, e.g. "snapshot compress". */
  lastPhase: string;
  /** ms from spawn to the operation's first file (its start), or null if none appeared. */
  startedAtMs: number | null;
  /** ms from spawn to exit. */
  exitedAtMs: number;
}

/** A CLI progress line on stderr, e.g. "restore decompress: 40% (..)". */
const PROGRESS_LINE = /^([a-z-]+ [a-z-]+): \d+%/gm;

/** The operation has started once a file named `<prefix>...` appears in `dir` (seen through fs.watch). */
export interface StartMarker {
  dir: string;
  namePrefix: string;
}

/**
 * Runs the CLI and sends SIGKILL `delayMs` after the operation's first temp file appeared, i.e.
 * after Node started and the app opened, so the instants fall inside the operation itself.
 * Without `delayMs` it runs to the end (used to measure the operation).
 */
export function runStrataAndKill(args: string[], start: StartMarker, delayMs?: number): Promise<KilledRun> {
  return new Promise((resolve, reject) => {
    let startedAtMs: number | null = null;
    let timer: NodeJS.Timeout | undefined;
    const spawnedAt = performance.now();
    const watcher = fs.watch(start.dir, (_event, name) => {
      if (startedAtMs !== null || !name?.startsWith(start.namePrefix)) return;
      startedAtMs = performance.now() - spawnedAt;
      if (delayMs !== undefined) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    const child = spawn(process.execPath, [CLI_BUNDLE, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      watcher.close();
      clearTimeout(timer);
      const phases = [...stderr.matchAll(PROGRESS_LINE)].map((m) => m[1]!);
      resolve({
        killed: signal === 'SIGKILL',
        code,
        stderr,
        lastPhase: phases[phases.length - 1] ?? 'none',
        startedAtMs,
        exitedAtMs: performance.now() - spawnedAt,
      });
    });
  });
}

/**
 * Files left by an interrupted operation. `root` and `pending` must be gone after a start-up;
 * `temp` (half-written snapshot files) are never listed and are cleaned once they are an hour old.
 */
export function leftovers(dataDir: string): { root: string[]; pending: string[]; temp: string[] } {
  const snapDir = snapshotsDirOf(dataDir);
  const root = fs
    .readdirSync(dataDir)
    .filter((n) => (n.startsWith('.') && n.endsWith('.tmp')) || n.endsWith('-journal'));
  if (fs.existsSync(path.join(dataDir, 'backups', 'restore-journal.json'))) root.push('backups/restore-journal.json');
  const inSnapshots = fs.existsSync(snapDir) ? fs.readdirSync(snapDir) : [];
  return {
    root,
    pending: inSnapshots.filter((n) => n.endsWith('.pending.db')),
    temp: inSnapshots.filter((n) => n.endsWith('.tmp')),
  };
}

/** The metadata files on disk: gzip snapshots' sidecars and page-store manifests (committed ones). */
export function sidecarFiles(dataDir: string): string[] {
  const out: string[] = [];
  for (const dir of [snapshotsDirOf(dataDir), path.join(dataDir, 'backups', 'store', 'manifests')]) {
    if (fs.existsSync(dir)) out.push(...fs.readdirSync(dir).filter((n) => n.endsWith('.json') && !n.startsWith('.')));
  }
  return out;
}

/** A line of text a person can read: no stack trace, no empty message. */
export function isReadableProblem(p: string): boolean {
  return p.trim().length > 5 && p.length < 600 && !/\n\s+at /.test(p);
}

/**
 * Another program writing to the database with its own better-sqlite3 connection in WAL mode.
 * Each transaction adds one session with exactly two messages, so a torn copy would show.
 * Resolves once the first rows are committed; stop() resolves with the number of sessions it committed.
 */
export async function startWriter(dbFile: string): Promise<{ stop(): Promise<number> }> {
  const script = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'strata-writer-')), 'writer.cjs');
  fs.writeFileSync(
    script,
    `const Database = require(${JSON.stringify(path.join(ROOT, 'node_modules', 'better-sqlite3'))});
const db = new Database(process.argv[2]);
db.pragma('busy_timeout = 10000');
db.pragma('journal_mode = WAL');
db.pragma('foreign_keys = ON');
const addSession = db.prepare("INSERT INTO sessions (id, title, model, created_at, updated_at) VALUES (?, ?, 'writer', ?, ?)");
const addMessage = db.prepare("INSERT INTO messages (id, session_id, sequence, role, content, created_at) VALUES (?, ?, ?, ?, ?, ?)");
const write = db.transaction((i) => {
  const id = 'writer-' + i, now = Date.now();
  addSession.run(id, 'written by another process ' + i, now, now);
  addMessage.run(id + '-1', id, 1, 'user', 'question ' + i, now);
  addMessage.run(id + '-2', id, 2, 'assistant', 'answer '.repeat(200), now);
});
let n = 0, stop = false;
process.stdin.on('end', () => (stop = true)).resume();
(function loop() {
  if (stop) { db.close(); process.stdout.write('rows ' + n + '\\n'); return; }
  for (let k = 0; k < 5; k++) write(n++);
  if (n === 5) process.stdout.write('ready\\n');
  setImmediate(loop);
})();
`,
  );
  const child = spawn(process.execPath, [script, dbFile], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('close', r));
  const deadline = Date.now() + 20_000;
  while (!out.includes('ready')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the writer did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  let stopped: Promise<number> | null = null;
  return {
    stop() {
      stopped ??= (async () => {
        child.stdin.end();
        const code = await exited;
        fs.rmSync(path.dirname(script), { recursive: true, force: true });
        if (code !== 0) throw new Error(`the writer failed (exit ${code}): ${out}`);
        return Number(/rows (\d+)/.exec(out)?.[1]);
      })();
      return stopped;
    },
  };
}

/**
 * Seals an edited sidecar the way Strata does (SHA-256 of its canonical JSON without the
 * checksum), written here on its own so the test does not trust the code it checks.
 */
export function resealSidecar<T extends object>(sidecar: T): T {
  const canonical = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
    if (v && typeof v === 'object')
      return `{${Object.keys(v)
        .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
        .join(',')}}`;
    return JSON.stringify(v);
  };
  const { checksum: _c, ...rest } = sidecar as T & { checksum?: string };
  return { ...rest, checksum: crypto.createHash('sha256').update(canonical(rest)).digest('hex') } as T;
}

/** Sessions and messages not written by the test's foreign writer (ids `writer-…`), hashed. */
export function contentHashWithoutWriter(dbFile: string): string {
  const db = openReadonly(dbFile);
  try {
    const hash = crypto.createHash('sha256');
    const queries: [string, string][] = [
      ['sessions', "SELECT * FROM sessions WHERE id NOT LIKE 'writer-%' ORDER BY id"],
      ['messages', "SELECT * FROM messages WHERE session_id NOT LIKE 'writer-%' ORDER BY id"],
    ];
    for (const [table, sql] of queries) {
      hash.update(`#${table}\n`);
      for (const row of db.prepare(sql).iterate()) hash.update(JSON.stringify(row) + '\n');
    }
    return hash.digest('hex');
  } finally {
    db.close();
  }
}

/** Writer sessions whose message count is not the 2 each writer transaction adds (half-written). */
export function halfWrittenWriterSessions(dbFile: string): string[] {
  const db = openReadonly(dbFile);
  try {
    return (
      db
        .prepare(
          `SELECT s.id FROM sessions s LEFT JOIN messages m ON m.session_id = s.id
           WHERE s.id LIKE 'writer-%' GROUP BY s.id HAVING count(m.id) <> 2`,
        )
        .all() as { id: string }[]
    ).map((r) => r.id);
  } finally {
    db.close();
  }
}

/**
 * Another program that opens the database, commits one transaction (a session and its two
 * messages) and closes it again, in a loop, as the `sqlite3` shell or a sync tool would.
 */
export async function startReconnectingWriter(
  dbFile: string,
): Promise<{ stop(): Promise<{ commits: number; busy: number }> }> {
  const script = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'strata-writer-')), 'writer.cjs');
  fs.writeFileSync(
    script,
    `const Database = require(${JSON.stringify(path.join(ROOT, 'node_modules', 'better-sqlite3'))});
let n = 0, busy = 0, stop = false;
process.stdin.on('end', () => (stop = true)).resume();
(function loop() {
  if (stop) { process.stdout.write(JSON.stringify({ commits: n, busy }) + '\\n'); return; }
  try {
    const db = new Database(process.argv[2]);
    try {
      db.pragma('busy_timeout = 20000');
      db.transaction(() => {
        const id = 'writer-' + process.pid + '-' + n, now = Date.now();
        db.prepare("INSERT INTO sessions (id, title, model, created_at, updated_at) VALUES (?, 'from another program', 'writer', ?, ?)").run(id, now, now);
        db.prepare("INSERT INTO messages (id, session_id, sequence, role, content, created_at) VALUES (?, ?, 1, 'user', 'q', ?)").run(id + '-1', id, now);
        db.prepare("INSERT INTO messages (id, session_id, sequence, role, content, created_at) VALUES (?, ?, 2, 'assistant', 'a', ?)").run(id + '-2', id, now);
      })();
      n++;
      if (n === 3) process.stdout.write('ready\\n');
    } finally { db.close(); }
  } catch (e) {
    if (String(e.code).startsWith('SQLITE_BUSY')) busy++; else { process.stderr.write(String(e.stack) + '\\n'); process.exit(3); }
  }
  setImmediate(loop);
})();
`,
  );
  const child = spawn(process.execPath, [script, dbFile], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('close', r));
  await new Promise<void>((resolve, reject) => {
    const onData = () => out.includes('ready') && (child.stdout.off('data', onData), resolve());
    child.stdout.on('data', onData);
    child.once('close', (code) => reject(new Error(`the writer stopped before it was ready (exit ${code}): ${out}`)));
  });
  return {
    async stop() {
      child.stdin.end();
      const code = await exited;
      if (code !== 0) throw new Error(`the writer failed (exit ${code})`);
      return JSON.parse(out.trim().split('\n').pop()!) as { commits: number; busy: number };
    },
  };
}

/**
 * A real small filesystem for full-disk tests: a tmpfs mounted by the test. Needs root; returns
 * null (and the test skips, saying why) where mounting is not allowed.
 */
export function mountTmpfs(sizeKiB: number): { dir: string; unmount(): void } | null {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-tmpfs-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k,mode=0700`, 'tmpfs', dir]);
  if (r.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    return null;
  }
  return {
    dir,
    unmount() {
      spawnSync('umount', ['-l', dir]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const TMPFS_SKIP_REASON = 'needs root on Linux to mount a small tmpfs (a real full disk)';
