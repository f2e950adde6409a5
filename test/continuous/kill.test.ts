import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { materialiseMoment } from '../../src-main/continuous/moment';
import { listRanges } from '../../src-main/continuous/timeline';
import { addDemo } from '../helpers/snapshot-fixtures';
import { seededRandom, testSeed } from '../helpers/seeded-random';
import { tempDir } from '../helpers/temp-dir';
import { bundleChild, childEnv } from './continuous-fixtures';

let BUNDLE = '';
const INSTANTS = Number(process.env.STRATA_CONTINUOUS_KILLS ?? 100);
const SEED = testSeed('STRATA_CONTINUOUS_KILL_SEED', 1);

beforeAll(async () => {
  BUNDLE = await bundleChild('commit-loop');
});

interface Run {
  acks: { n: number; at: number }[];
  killedAt: number;
  ready: boolean;
}

/** Starts the committing child and kills it -9 `delayMs` after it started (or after it was ready). */
function runAndKill(dataDir: string, first: number, delayMs: number, fromReady: boolean): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BUNDLE, dataDir, '--commit', String(first)], {
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run: Run = { acks: [], killedAt: 0, ready: false };
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const kill = () => {
      run.killedAt = Date.now();
      child.kill('SIGKILL');
    };
    let timer = fromReady ? null : setTimeout(kill, delayMs);
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'ready') {
        run.ready = true;
        if (fromReady) timer = setTimeout(kill, delayMs);
      }
      const m = /^ack (\d+)$/.exec(line);
      if (m) run.acks.push({ n: Number(m[1]), at: Date.now() });
    });
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal === 'SIGKILL') resolve(run);
      else reject(new Error(`the child ended by itself (${code}): ${stderr}`));
    });
  });
}

function recover(dataDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BUNDLE, dataDir, '--recover', '0'], {
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 && out.includes('recovered') ? resolve() : reject(new Error(err))));
  });
}

/** The transactions in a file: their numbers in row order, and any with a message missing. */
function transactions(file: string): { numbers: number[]; partial: number[]; integrity: string } {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db
      .prepare(
        `SELECT s.title AS title, (SELECT count(*) FROM messages m WHERE m.session_id = s.id) AS n
         FROM sessions s WHERE s.id LIKE 'kill-%' ORDER BY s.rowid`,
      )
      .all() as { title: string; n: number }[];
    return {
      numbers: rows.map((r) => Number(r.title.slice(3))),
      partial: rows.filter((r) => r.n !== 2).map((r) => Number(r.title.slice(3))),
      integrity: String(db.pragma('integrity_check', { simple: true })),
    };
  } finally {
    db.close();
  }
}

describe('continuous protection under kill -9', () => {
  it(`keeps every transaction acknowledged over a second before the kill, at ${INSTANTS} seeded instants`, async () => {
    const dir = path.join(tempDir('strata-ckill-'), 'data');
    await addDemo(dir, 10, 3, 41);
    const storeDir = path.join(dir, 'backups', 'store');
    const random = seededRandom(SEED);
    const scratch = tempDir('strata-ckill-out-');
    let next = 1;
    let killedWhileCommitting = 0;
    for (let i = 0; i < INSTANTS; i++) {
      // One kill in five counts from the start of the process (it may land while Strata opens or
      // takes a generation's first point); the rest land while it commits and ships.
      const fromReady = random() >= 0.2;
      const delay = Math.floor((fromReady ? 0 : 100) + random() * 1500);
      const run = await runAndKill(dir, next, delay, fromReady);
      if (run.acks.length) killedWhileCommitting++;
      await recover(dir);
      const out = path.join(scratch, `latest-${i}.db`);
      await materialiseMoment(storeDir, Date.now(), out);
      const t = transactions(out);
      fs.rmSync(out, { force: true });
      expect(t.integrity, `instant ${i}`).toBe('ok');
      expect(t.partial, `instant ${i}: transactions with a message missing`).toEqual([]);
      // In order and without holes: 1, 2, 3, ...
      expect(t.numbers, `instant ${i}`).toEqual(Array.from({ length: t.numbers.length }, (_, k) => k + 1));
      const mustHave = run.acks.filter((a) => a.at <= run.killedAt - 1000).map((a) => a.n);
      const needed = mustHave.length ? Math.max(...mustHave) : next - 1;
      expect(t.numbers.length, `instant ${i}: acknowledged before the kill`).toBeGreaterThanOrEqual(needed);
      next = t.numbers.length + 1;
    }
    const ranges = listRanges(storeDir);
    console.log(
      `continuous kill test: ${INSTANTS} kills (${killedWhileCommitting} while committing), ` +
        `${next - 1} transactions kept, ${ranges.length} generations (${ranges.map((r) => r.startedBecause).join(', ')})`,
    );
    expect(killedWhileCommitting).toBeGreaterThan(INSTANTS / 2);
  }, 1_800_000);
});
