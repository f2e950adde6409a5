import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src-main/db/demo-data';
import { readRestoreHistory } from '../../src-main/snapshots/restore-journal';
import type { SnapshotSidecar } from '../../src-main/snapshots';
import { tempDir } from '../helpers/temp-dir';
import {
  addDemo,
  contentHash,
  dbFileOf,
  integrityCheck,
  leftovers,
  recoverLikeNextStart,
  rowCounts,
  runStrataAndKill,
  sidecarFiles,
  strata,
  strataJson,
  verifyEverythingListed,
  type KilledRun,
  type StartMarker,
} from '../helpers/snapshot-fixtures';

/**
 * Real kill -9 at random instants of a snapshot and of a restore, run through the CLI child
 * process exactly as a user would, then a normal start-up (crash recovery) and the checks a
 * user would make: the database is sound, holds the data from before or after, and every
 * listed snapshot verifies. Set STRATA_KILL_SEED to replay a run.
 */
const KILLS = 30;
const SEED = Number(process.env.STRATA_KILL_SEED ?? 1);
const random = seededRandom(SEED);

interface Sample {
  delayMs: number;
  killed: boolean;
  lastPhase: string;
  outcome: 'before' | 'after';
  snapshots: number;
  tempLeft: number;
}

/**
 * A snapshot's writes into the page store start when it takes the store's writer lock (before
 * that it only reads and checks the database).
 */
const snapshotStarted = (dir: string): StartMarker => ({
  dir: path.join(dir, 'backups', 'store', 'locks'),
  namePrefix: '',
});
/** A restore starts by materialising the snapshot into a hidden temp file next to strata.db. */
const restoreStarted = (dir: string): StartMarker => ({ dir, namePrefix: '.strata.db.' });

function copyFolder(template: string, into: string): string {
  fs.cpSync(template, into, { recursive: true });
  return into;
}

/**
 * Stratified random instants, one per equal slice of the operation's measured duration (from its
 * first temp file to the exit, plus 10 %), so the kills cover the whole operation evenly.
 */
function killDelay(i: number, operationMs: number): number {
  return Math.round(((i + random()) / KILLS) * operationMs * 1.1);
}

/** Uninterrupted runs on copies of the template: the median time from the operation's start to exit. */
async function measure(template: string, args: string[], marker: (dir: string) => StartMarker): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const dir = copyFolder(template, path.join(tempDir('strata-kill-probe-'), 'data'));
    const run = await runStrataAndKill(['--data-dir', dir, ...args], marker(dir));
    expect(run.code, run.stderr).toBe(0);
    expect(run.startedAtMs, 'the operation wrote its first temp file').not.toBeNull();
    times.push(run.exitedAtMs - run.startedAtMs!);
  }
  return times.sort((a, b) => a - b)[1]!;
}

function summarise(name: string, operationMs: number, samples: Sample[]): void {
  const by = (f: (s: Sample) => string) =>
    samples.reduce<Record<string, number>>((acc, s) => ((acc[f(s)] = (acc[f(s)] ?? 0) + 1), acc), {});
  console.log(
    `[kill] ${name}: seed=${SEED} operation=${Math.round(operationMs)}ms after its first progress line, ` +
      `kills=${samples.length} delays=${Math.min(...samples.map((s) => s.delayMs))}..${Math.max(...samples.map((s) => s.delayMs))}ms\n` +
      `  outcomes: ${JSON.stringify(by((s) => s.outcome))}\n` +
      `  killed mid-run vs finished first: ${JSON.stringify(by((s) => (s.killed ? 'killed' : 'finished')))}\n` +
      `  last phase seen: ${JSON.stringify(by((s) => s.lastPhase))}\n` +
      `  snapshots listed after recovery: ${JSON.stringify(by((s) => String(s.snapshots)))}\n` +
      `  half-written temp files left (unlisted, cleaned after 10 min): ${samples.reduce((n, s) => n + s.tempLeft, 0)}`,
  );
}

async function checkListedSnapshotsVerify(dir: string, context: string) {
  const { list, results } = await verifyEverythingListed(dir);
  for (const r of results)
    expect(r, `${context}: snapshot ${r.id} is listed but fails verify`).toMatchObject({ ok: true });
  // A sidecar that does not list (unparsable, or its stored file missing) would be a ghost.
  expect(sidecarFiles(dir).length, `${context}: every sidecar on disk lists`).toBe(list.length);
  return list;
}

function expectNoRecoveryLeftovers(dir: string, context: string) {
  const left = leftovers(dir);
  expect(left.root, `${context}: temp files or journal next to the database`).toEqual([]);
  expect(left.pending, `${context}: old database not turned into its pre-restore snapshot`).toEqual([]);
  return left;
}

describe('kill -9 during a snapshot (strata backup)', () => {
  it(`leaves the database as it was and never lists a bad snapshot, at ${KILLS} random instants`, async () => {
    const template = tempDir('strata-kill-snap-');
    await addDemo(template, 150, 40, 1);
    await strataJson(template, ['backup', '--label', 'existing']);
    const before = contentHash(dbFileOf(template));

    const operationMs = await measure(template, ['backup'], snapshotStarted);

    const samples: Sample[] = [];
    for (let i = 0; i < KILLS; i++) {
      const dir = copyFolder(template, path.join(tempDir('strata-kill-'), 'data'));
      const delayMs = killDelay(i, operationMs);
      const run: KilledRun = await runStrataAndKill(['--data-dir', dir, 'backup'], snapshotStarted(dir), delayMs);
      const context = `snapshot kill #${i} at ${delayMs} ms (seed ${SEED}, last phase ${run.lastPhase})`;
      if (!run.killed) expect(run.code, `${context}: ${run.stderr}`).toBe(0);

      await recoverLikeNextStart(dir);
      expect(integrityCheck(dbFileOf(dir)), context).toEqual(['ok']);
      expect(contentHash(dbFileOf(dir)), `${context}: data changed by a snapshot`).toBe(before);
      const left = expectNoRecoveryLeftovers(dir, context);
      const list = await checkListedSnapshotsVerify(dir, context);
      expect(
        list.some((s) => s.label === 'existing'),
        `${context}: the earlier snapshot is still listed`,
      ).toBe(true);
      if (!run.killed) expect(list.length, `${context}: a finished backup is listed`).toBe(2);

      samples.push({
        delayMs,
        killed: run.killed,
        lastPhase: run.lastPhase,
        outcome: 'before',
        snapshots: list.length,
        tempLeft: left.temp.length,
      });
      fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    }
    summarise('snapshot', operationMs, samples);
    // The random instants must have actually hit running backups, or the test proved nothing.
    // The instants are spread over the measured duration; a busy machine can make some runs finish
    // first, so a third of them landing mid-run is enough to have tested every phase.
    expect(samples.filter((s) => s.killed).length).toBeGreaterThanOrEqual(KILLS / 3);
  }, 200_000);
});

describe('kill -9 during a restore (strata restore ID --yes)', () => {
  it(`leaves the old or the new database, intact and undoable, at ${KILLS} random instants`, async () => {
    const template = tempDir('strata-kill-restore-');
    await addDemo(template, 150, 40, 1);
    const target = await strataJson<SnapshotSidecar>(template, ['backup', '--label', 'restore me']);
    const after = contentHash(dbFileOf(template));
    // More data after the snapshot: what the restore replaces.
    await addDemo(template, 25, 40, 2);
    const before = contentHash(dbFileOf(template));
    const beforeCounts = rowCounts(dbFileOf(template));
    expect(before).not.toBe(after);

    const operationMs = await measure(template, ['restore', target.id, '--yes'], restoreStarted);

    const samples: Sample[] = [];
    let undoChecked = false;
    for (let i = 0; i < KILLS; i++) {
      const dir = copyFolder(template, path.join(tempDir('strata-kill-'), 'data'));
      const delayMs = killDelay(i, operationMs);
      const run = await runStrataAndKill(
        ['--data-dir', dir, 'restore', target.id, '--yes'],
        restoreStarted(dir),
        delayMs,
      );
      const context = `restore kill #${i} at ${delayMs} ms (seed ${SEED}, last phase ${run.lastPhase})`;
      if (!run.killed) expect(run.code, `${context}: ${run.stderr}`).toBe(0);

      await recoverLikeNextStart(dir);
      expect(integrityCheck(dbFileOf(dir)), context).toEqual(['ok']);
      const hash = contentHash(dbFileOf(dir));
      expect([before, after], `${context}: the database is neither the old nor the restored one`).toContain(hash);
      const outcome = hash === before ? 'before' : 'after';
      if (!run.killed) expect(outcome, `${context}: a finished restore`).toBe('after');
      const left = expectNoRecoveryLeftovers(dir, context);
      const list = await checkListedSnapshotsVerify(dir, context);
      expect(
        list.some((s) => s.id === target.id),
        `${context}: the restored snapshot is still listed`,
      ).toBe(true);

      const history = readRestoreHistory(path.join(dir, 'backups'));
      if (outcome === 'after') {
        // The data that was replaced must be kept, pinned, so the restore can be undone.
        const last = history[history.length - 1];
        expect(last?.restoredFrom, `${context}: the restore is recorded for undo`).toBe(target.id);
        const pre = list.find((s) => s.id === last?.preRestoreSnapshotId);
        expect(pre, `${context}: pre-restore snapshot listed`).toBeDefined();
        expect(pre?.pinned).toBe(true);
        expect({ sessions: pre?.counts.sessions, messages: pre?.counts.messages }, context).toEqual(beforeCounts);
        if (run.killed && !undoChecked) {
          undoChecked = true;
          const undo = await strata(dir, ['restore', '--undo', '--yes']);
          expect(undo.code, `${context}: undo after the crash: ${undo.stderr}`).toBe(0);
          expect(contentHash(dbFileOf(dir)), `${context}: undo brings the old data back`).toBe(before);
        }
      } else {
        expect(history, `${context}: a rolled-back restore is not recorded as done`).toEqual([]);
      }

      samples.push({
        delayMs,
        killed: run.killed,
        lastPhase: run.lastPhase,
        outcome,
        snapshots: list.length,
        tempLeft: left.temp.length,
      });
      fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    }
    summarise('restore', operationMs, samples);
    // The instants are spread over the measured duration; a busy machine can make some runs finish
    // first, so a third of them landing mid-run is enough to have tested every phase.
    expect(samples.filter((s) => s.killed).length).toBeGreaterThanOrEqual(KILLS / 3);
    // Both sides of the swap were hit by a kill at least once.
    expect(samples.some((s) => s.killed && s.outcome === 'before')).toBe(true);
    expect(samples.some((s) => s.killed && s.outcome === 'after')).toBe(true);
  }, 240_000);
});
