import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir';
import { seededRandom } from '../helpers/seeded-random';
import {
  dbFileOf,
  integrityCheck,
  recoverLikeNextStart,
  runStrataAndKill,
  type StartMarker,
} from '../helpers/snapshot-fixtures';
import { count, openApp, seedSessions } from './fixtures';

/**
 * Real kill -9 of `strata restore-session` at stratified random instants, from the moment the
 * point starts materialising to the exit: after a normal start-up the chosen sessions are all
 * back with every message and the undo ledger, or none of them is and there is no ledger.
 * Set STRATA_KILL_SEED to replay a run.
 */
const KILLS = 30;
const SEED = Number(process.env.STRATA_KILL_SEED ?? 7);
const random = seededRandom(SEED);
const BIG = 3;
const PER = 1500;

const pointOpening = (dir: string): StartMarker => ({
  dir: path.join(dir, 'backups', 'scratch', 'points'),
  namePrefix: '',
});

function copyFolder(template: string, into: string): string {
  fs.cpSync(template, into, { recursive: true });
  return into;
}

describe('kill -9 during a single-session restore (strata restore-session)', () => {
  it(`ends old or new, never half, at ${KILLS} random instants`, async () => {
    const template = path.join(tempDir('strata-kill-ssr-'), 'data');
    const app = await openApp(template);
    const big = seedSessions(app, BIG, PER, 'big');
    const others = seedSessions(app, 10, 5, 'other');
    const point = await app.snapshots.create({ tier: 'manual' });
    for (const id of big) app.db.sessions.delete(id);
    const later = app.db.messages.append(others[0]!, { role: 'user', content: 'after the point' });
    await app.close();
    fs.mkdirSync(path.join(template, 'backups', 'scratch', 'points'), { recursive: true, mode: 0o700 });
    const args = (dir: string) => ['--data-dir', dir, 'restore-session', point.id, ...big, '--yes'];
    const db = (dir: string) => dbFileOf(dir);

    const probe = copyFolder(template, path.join(tempDir('strata-kill-ssr-probe-'), 'data'));
    const full = await runStrataAndKill(args(probe), pointOpening(probe));
    expect(full.code, full.stderr).toBe(0);
    expect(full.startedAtMs).not.toBeNull();
    const operationMs = full.exitedAtMs - full.startedAtMs!;

    const outcomes: Record<string, number> = {};
    for (let i = 0; i < KILLS; i++) {
      const dir = copyFolder(template, path.join(tempDir('strata-kill-ssr-'), 'data'));
      const delayMs = Math.round(((i + random()) / KILLS) * operationMs * 1.1);
      const run = await runStrataAndKill(args(dir), pointOpening(dir), delayMs);
      const context = `kill #${i} at ${delayMs} ms (seed ${SEED}, last phase ${run.lastPhase})`;
      if (!run.killed) expect(run.code, `${context}: ${run.stderr}`).toBe(0);
      await recoverLikeNextStart(dir);
      expect(integrityCheck(db(dir)), context).toEqual(['ok']);
      const present = big.map((id) => count(db(dir), 'SELECT COUNT(*) AS n FROM sessions WHERE id = ?', id));
      const messages = big.map((id) => count(db(dir), 'SELECT COUNT(*) AS n FROM messages WHERE session_id = ?', id));
      const ledgers = count(
        db(dir),
        `SELECT COUNT(*) AS n FROM extension_data WHERE data_type = 'strata.session-restore'`,
      );
      const outcome = present.every((p) => p === 1) ? 'new' : present.every((p) => p === 0) ? 'old' : 'half';
      expect(outcome, context).not.toBe('half');
      expect(messages, context).toEqual(big.map(() => (outcome === 'new' ? PER : 0)));
      expect(ledgers, context).toBe(outcome === 'new' ? 1 : 0);
      expect(count(db(dir), 'SELECT COUNT(*) AS n FROM messages WHERE id = ?', later.id), context).toBe(1);
      expect(count(db(dir), 'SELECT total_messages AS n FROM database_metadata'), context).toBe(
        count(db(dir), 'SELECT COUNT(*) AS n FROM messages'),
      );
      // The private copy a killed run left behind goes at the next start.
      expect(
        fs.readdirSync(path.join(dir, 'backups', 'scratch')).filter((n) => n === 'points'),
        context,
      ).toEqual([]);
      const key = `${outcome}${run.killed ? '' : ' (finished)'}`;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
    }
    console.log(
      `[kill] restore-session: seed=${SEED} operation=${Math.round(operationMs)}ms outcomes=${JSON.stringify(outcomes)}`,
    );
    // The kills must really interrupt runs (not all land after the exit) for this to prove anything.
    expect(
      Object.entries(outcomes)
        .filter(([k]) => !k.endsWith('(finished)'))
        .reduce((n, [, v]) => n + v, 0),
    ).toBeGreaterThan(KILLS / 2);
  }, 600_000);
});
