import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir';
import { seededRandom } from '../helpers/seeded-random';
import { dbFileOf } from '../helpers/snapshot-fixtures';
import { openApp, seedSessions } from './fixtures';

/** The diff as plain SQL over the live file with the point attached: the reference the worker's fingerprints must match. */
function referenceDiff(liveFile: string, pointFile: string) {
  const db = new Database(liveFile, { readonly: true, fileMustExist: true });
  db.prepare('ATTACH DATABASE ? AS p').run(pointFile);
  const ids = (sql: string) => (db.prepare(sql).all() as { id: string }[]).map((r) => r.id).sort();
  const perSession = (sql: string) =>
    new Map((db.prepare(sql).all() as { sid: string; n: number }[]).map((r) => [r.sid, r.n]));
  const deleted = ids('SELECT id FROM p.sessions EXCEPT SELECT id FROM main.sessions');
  const created = ids('SELECT id FROM main.sessions EXCEPT SELECT id FROM p.sessions');
  const edited =
    perSession(`SELECT m.session_id AS sid, COUNT(*) AS n FROM main.messages m JOIN p.messages o ON o.id = m.id
    WHERE m.session_id = o.session_id AND (m.content IS NOT o.content OR m.role IS NOT o.role OR m.sequence IS NOT o.sequence
      OR m.metadata IS NOT o.metadata OR m.token_count IS NOT o.token_count OR m.created_at IS NOT o.created_at)
    GROUP BY m.session_id`);
  const added = perSession(`SELECT session_id AS sid, COUNT(*) AS n FROM main.messages
    WHERE id NOT IN (SELECT id FROM p.messages) AND session_id IN (SELECT id FROM p.sessions) GROUP BY session_id`);
  const removed = perSession(`SELECT session_id AS sid, COUNT(*) AS n FROM p.messages
    WHERE id NOT IN (SELECT id FROM main.messages) AND session_id IN (SELECT id FROM main.sessions) GROUP BY session_id`);
  const rowChanged = ids(`SELECT s.id FROM main.sessions s JOIN p.sessions o ON o.id = s.id
    WHERE s.title IS NOT o.title OR s.model IS NOT o.model OR s.created_at IS NOT o.created_at OR s.updated_at IS NOT o.updated_at
      OR s.prompt_tokens IS NOT o.prompt_tokens OR s.completion_tokens IS NOT o.completion_tokens OR s.total_tokens IS NOT o.total_tokens
      OR s.cost_usd IS NOT o.cost_usd OR s.starred IS NOT o.starred OR s.metadata IS NOT o.metadata`);
  const changed = [...new Set([...rowChanged, ...edited.keys(), ...added.keys(), ...removed.keys()])].sort();
  const titleChanged = ids(
    'SELECT s.id FROM main.sessions s JOIN p.sessions o ON o.id = s.id WHERE s.title IS NOT o.title',
  );
  const both = (
    db.prepare('SELECT COUNT(*) AS n FROM main.sessions s JOIN p.sessions o ON o.id = s.id').get() as { n: number }
  ).n;
  const settings = (
    db
      .prepare(
        `SELECT key, 'removed' AS change FROM p.settings WHERE key NOT IN (SELECT key FROM main.settings)
         UNION ALL SELECT key, 'added' FROM main.settings WHERE key NOT IN (SELECT key FROM p.settings)
         UNION ALL SELECT s.key, 'changed' FROM main.settings s JOIN p.settings o ON o.key = s.key
           WHERE s.value IS NOT o.value OR s.secret IS NOT o.secret
         ORDER BY key`,
      )
      .all() as { key: string; change: string }[]
  ).map((r) => `${r.key}:${r.change}`);
  const totals = db
    .prepare(
      `SELECT (SELECT COUNT(*) FROM p.sessions) AS ps, (SELECT COUNT(*) FROM p.messages) AS pm,
              (SELECT COUNT(*) FROM main.sessions) AS ns, (SELECT COUNT(*) FROM main.messages) AS nm`,
    )
    .get() as { ps: number; pm: number; ns: number; nm: number };
  db.close();
  return {
    deleted,
    created,
    changed,
    titleChanged,
    edited,
    added,
    removed,
    unchanged: both - changed.length,
    settings,
    totals,
  };
}

describe('the diff of a point against now', () => {
  for (const seed of [11, 12, 13]) {
    it(`matches a reference computed in SQL (seed ${seed})`, async () => {
      const dir = tempDir('strata-diff-ref-');
      const app = await openApp(dir);
      try {
        const rand = seededRandom(seed);
        const ids = seedSessions(app, 30, 6, 'ref');
        app.db.settings.set('theme', 'dark');
        app.db.settings.set('font', 14);
        const snap = await app.snapshots.create({ tier: 'manual' });
        const conn = app.db.connection;
        const pick = () => ids[Math.floor(rand() * ids.length)]!;
        for (let i = 0; i < 40; i++) {
          const id = pick();
          if (!app.db.sessions.get(id)) continue;
          const r = rand();
          if (r < 0.15) app.db.sessions.delete(id);
          else if (r < 0.3) app.db.messages.append(id, { role: 'user', content: `added ${i}` });
          else if (r < 0.45)
            conn
              .prepare('UPDATE messages SET content = content || ? WHERE session_id = ? AND sequence = 1')
              .run(` edit ${i}`, id);
          else if (r < 0.55) conn.prepare('DELETE FROM messages WHERE session_id = ? AND sequence = 2').run(id);
          else if (r < 0.7) app.db.sessions.rename(id, `renamed ${i}`);
          else if (r < 0.8) app.db.sessions.setStarred(id, true);
          else if (r < 0.9) seedSessions(app, 1, 2, `new${i}`);
        }
        app.db.settings.set('theme', 'light');
        app.db.settings.set('language', 'de');
        app.db.settings.delete('font');

        const diff = await app.points.diff(snap.id);
        const point = await app.snapshots.openPoint(snap.id);
        const ref = referenceDiff(dbFileOf(dir), point.file);
        point.close();

        expect(diff.deletedSince.map((s) => s.id).sort()).toEqual(ref.deleted);
        expect(diff.createdSince.map((s) => s.id).sort()).toEqual(ref.created);
        expect(diff.changed.map((s) => s.id).sort()).toEqual(ref.changed);
        expect(
          diff.changed
            .filter((s) => s.titleChanged)
            .map((s) => s.id)
            .sort(),
        ).toEqual(ref.titleChanged);
        for (const c of diff.changed) {
          expect({ id: c.id, edited: c.messagesEdited, added: c.messagesAdded, removed: c.messagesRemoved }).toEqual({
            id: c.id,
            edited: ref.edited.get(c.id) ?? 0,
            added: ref.added.get(c.id) ?? 0,
            removed: ref.removed.get(c.id) ?? 0,
          });
        }
        expect(diff.totals).toMatchObject({
          point: { sessions: ref.totals.ps, messages: ref.totals.pm },
          now: { sessions: ref.totals.ns, messages: ref.totals.nm },
          deletedSince: ref.deleted.length,
          createdSince: ref.created.length,
          changed: ref.changed.length,
          unchanged: ref.unchanged,
        });
        expect(diff.settings.map((s) => `${s.key}:${s.change}`)).toEqual(ref.settings);
        // The mutations must have produced every kind of difference, or the comparison proves little.
        expect(ref.deleted.length * ref.created.length * ref.edited.size * ref.removed.size).toBeGreaterThan(0);
      } finally {
        await app.close();
      }
    }, 60_000);
  }
});
