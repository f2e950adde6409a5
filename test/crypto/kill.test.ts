import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { KeyRing } from '../../src-main/crypto';
import { seededRandom, testSeed } from '../helpers/seeded-random';
import { removeChildBundle, runKeyChild } from './child';
import { FileAttemptLog, FolderKeyFiles } from './helpers';

/**
 * Real second processes on a real folder of key files: kill -9 at seeded instants of a passphrase
 * change, two processes changing at once, and the unlock throttle across restarts and kills.
 * Set STRATA_KILL_SEED to replay a run, KILLS to change how many.
 */
const KILLS = Number(process.env.KILLS ?? 30);
const SEED = testSeed('STRATA_KILL_SEED', 20261218);
/** scrypt N for the change: large enough that a change takes tens of ms to spread kills over. */
const CHANGE_N = 2 ** 12;
const OLD = 'the old passphrase';
const NEW = 'the new passphrase';

afterAll(() => removeChildBundle());

/**
 * Folders live on tmpfs when there is one: a kill -9 tests what a dead process leaves, which does
 * not depend on fsync reaching a disk, and the runs would otherwise wait on fsyncs for minutes.
 */
const scratchBase = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
const made: string[] = [];
afterEach(() => {
  while (made.length) fs.rmSync(made.pop()!, { recursive: true, force: true });
});
const templates = new Map<string, string>();
afterAll(() => {
  for (const t of templates.values()) fs.rmSync(t, { recursive: true, force: true });
});

const ringOn = (dir: string) =>
  new KeyRing({ storeId: 'store-1', files: new FolderKeyFiles(dir), scrypt: { N: CHANGE_N, r: 8, p: 1 } });

/** A fresh copy of a keys folder made once per passphrase and cost. */
async function keysFolder(passphrase: string, N: number): Promise<{ dir: string; ring: KeyRing }> {
  const key = `${passphrase}/${N}`;
  let template = templates.get(key);
  if (!template) {
    template = fs.mkdtempSync(path.join(scratchBase, 'strata-keys-tpl-'));
    templates.set(key, template);
    const ring = new KeyRing({ storeId: 'store-1', files: new FolderKeyFiles(template), scrypt: { N, r: 8, p: 1 } });
    await ring.create({ passphrase });
  }
  const parent = fs.mkdtempSync(path.join(scratchBase, 'strata-keys-kill-'));
  made.push(parent);
  const dir = path.join(parent, 'keys');
  fs.cpSync(template, dir, { recursive: true });
  return { dir, ring: ringOn(dir) };
}

async function opensWith(ring: KeyRing, passphrase: string): Promise<boolean> {
  try {
    await ring.unlock({ passphrase });
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === 'wrong_passphrase') return false;
    throw e;
  }
}

describe('kill -9 and restarts around key files', () => {
  it(`leaves the old or the new passphrase working after a kill at ${KILLS} seeded instants of a change`, async () => {
    // How long an uninterrupted change takes here, to spread the kills over.
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { dir } = await keysFolder(OLD, CHANGE_N);
      const run = await runKeyChild(['change', dir, OLD, NEW, String(CHANGE_N)]);
      expect(run.result?.ok, run.stderr).toBe(true);
      times.push(run.ranMs);
    }
    const span = times.sort((a, b) => a - b)[1]!;
    const rand = seededRandom(SEED);
    const tally = { oldOnly: 0, both: 0, newOnly: 0, finished: 0 };
    for (let k = 0; k < KILLS; k++) {
      const at = rand() * span;
      const { dir, ring } = await keysFolder(OLD, CHANGE_N);
      const run = await runKeyChild(['change', dir, OLD, NEW, String(CHANGE_N)], (child) =>
        setTimeout(() => child.kill('SIGKILL'), at),
      );
      if (run.signal !== 'SIGKILL') tally.finished++;
      const oldWorks = await opensWith(ring, OLD);
      const newWorks = await opensWith(ring, NEW);
      expect(oldWorks || newWorks, `kill ${k} at ${at.toFixed(1)} ms (seed ${SEED})`).toBe(true);
      if (oldWorks && newWorks) tally.both++;
      else if (oldWorks) tally.oldOnly++;
      else tally.newOnly++;
      // The recovery key file is never touched by a change.
      expect((await ring.list()).keys.filter((key) => key.kind === 'recovery')).toHaveLength(1);
      expect((await ring.list()).problems).toEqual([]);
    }
    console.log(`passphrase change kills (seed ${SEED}, span ${span.toFixed(0)} ms):`, tally);
  }, 300_000);

  it('lets two processes change the same passphrase at once without leaving none', async () => {
    for (let round = 0; round < 3; round++) {
      const { dir, ring } = await keysFolder(OLD, CHANGE_N);
      const runs = await Promise.all(
        ['from process A', 'from process B'].map((p) => runKeyChild(['change', dir, OLD, p, String(CHANGE_N)])),
      );
      const working: string[] = [];
      for (const [i, p] of ['from process A', 'from process B'].entries()) {
        const works = await opensWith(ring, p);
        if (works) working.push(p);
        // A process that said it changed the passphrase left its new one working; one that lost the
        // race was told wrong_passphrase and changed nothing.
        if (runs[i]!.result?.ok) expect(works).toBe(true);
        else expect(runs[i]!.result?.error?.code).toBe('wrong_passphrase');
      }
      expect(working.length).toBeGreaterThanOrEqual(1);
      expect(await opensWith(ring, OLD)).toBe(false);
    }
  }, 120_000);

  it('keeps slowing wrong passphrases across restarts, and counts a try killed during scrypt', async () => {
    // A real cost (half the default's memory), so the kill lands while scrypt runs.
    const { dir, ring } = await keysFolder(OLD, 2 ** 16);
    const log = path.join(path.dirname(dir), 'unlock-attempts.json');
    const delay = String(10 * 60_000); // a wait no slow machine can outlast between two processes
    for (let i = 0; i < 4; i++) {
      const run = await runKeyChild(['unlock', dir, log, `wrong guess ${i}`, delay]);
      expect(run.result?.error?.code).toBe('wrong_passphrase');
    }
    // The fifth wrong try is killed as soon as it is on record, while scrypt is still running.
    const killed = await runKeyChild(['unlock', dir, log, 'wrong guess 4', delay], (child) => {
      const poll = setInterval(() => {
        const text = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
        if (text.includes('"failures":5')) {
          clearInterval(poll);
          child.kill('SIGKILL');
        }
      }, 2);
      child.on('exit', () => clearInterval(poll));
    });
    expect(killed.signal).toBe('SIGKILL');
    // A new process, even with the right passphrase, must wait.
    const sixth = await runKeyChild(['unlock', dir, log, OLD, delay]);
    expect(sixth.result?.error?.code).toBe('too_many_attempts');
    expect(sixth.result?.error?.message).toMatch(/5 wrong passphrases in a row: wait \d+ s/);
    // Nothing about the key files changed, and the right passphrase works once the wait is over.
    expect((await ring.list()).keys).toHaveLength(2);
    const state = JSON.parse(fs.readFileSync(log, 'utf8'));
    await new FileAttemptLog(log).write(JSON.stringify({ ...state, lastAt: state.lastAt - 600_000 }));
    const seventh = await runKeyChild(['unlock', dir, log, OLD, delay]);
    expect(seventh.result?.ok, seventh.stderr).toBe(true);
    expect(JSON.parse(fs.readFileSync(log, 'utf8'))).toMatchObject({ failures: 0 });
  }, 120_000);
});
