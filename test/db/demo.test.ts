import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateDemoData, type StrataDatabase } from '../../src-main/db';
import { tempDir } from '../helpers/temp-dir';
import { chatContentHash, openTestDb } from '../helpers/db-dump';

async function withDemo<T>(
  runs: { sessions: number; messagesPerSession: number; seed?: number }[],
  fn: (db: StrataDatabase, file: string) => T,
): Promise<T> {
  const dir = tempDir();
  const db = await openTestDb(dir);
  try {
    for (const r of runs) generateDemoData(db.connection, r);
    return fn(db, path.join(dir, 'strata.db'));
  } finally {
    db.close();
  }
}

function allContent(db: StrataDatabase): string[] {
  return (
    db.connection.prepare(`SELECT content FROM messages ORDER BY session_id, sequence`).all() as { content: string }[]
  ).map((r) => r.content);
}

describe('demo data', () => {
  it('is the same for the same seed in two different folders', async () => {
    const a = await withDemo([{ sessions: 8, messagesPerSession: 30, seed: 42 }], (_db, file) => chatContentHash(file));
    const b = await withDemo([{ sessions: 8, messagesPerSession: 30, seed: 42 }], (_db, file) => chatContentHash(file));
    const other = await withDemo([{ sessions: 8, messagesPerSession: 30, seed: 43 }], (_db, file) =>
      chatContentHash(file),
    );
    expect(a).toBe(b);
    expect(other).not.toBe(a);
  });

  it('fills sessions and messages as asked, with totals and tokens that add up', async () => {
    await withDemo([{ sessions: 10, messagesPerSession: 25, seed: 1 }], (db) => {
      expect(db.sessions.count()).toBe(10);
      const list = db.sessions.list();
      expect(list.every((s) => s.messageCount === 25)).toBe(true);
      expect(db.metadata.get()).toMatchObject({ totalSessions: 10, totalMessages: 250 });
      for (const s of list) {
        const msgs = db.messages.listForSession(s.id);
        expect(msgs.map((m) => m.sequence)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
        const tokens = msgs.reduce((n, m) => n + m.tokenCount, 0);
        expect(s.totalTokens).toBe(tokens);
        expect(s.promptTokens + s.completionTokens).toBe(tokens);
        expect(s.updatedAt).toBe(msgs[msgs.length - 1]!.createdAt);
        expect(s.title.length).toBeGreaterThan(0);
        expect(s.model.length).toBeGreaterThan(0);
      }
      // User and assistant take turns after the opening message.
      const roles = db.messages.listForSession(list[0]!.id).map((m) => m.role);
      expect(roles.slice(1, 5)).toEqual(['assistant', 'user', 'assistant', 'user']);
      expect(db.connection.pragma('foreign_key_check')).toEqual([]);
    });
  });

  it('adds to what is there: a second run grows the counts without id collisions', async () => {
    await withDemo([{ sessions: 5, messagesPerSession: 10, seed: 1 }], (db) => {
      const firstIds = new Set(db.sessions.list().map((s) => s.id));
      const firstTitles = new Set(db.sessions.list().map((s) => s.title));
      // Same seed again: must still add new sessions, not collide with the first run.
      const second = generateDemoData(db.connection, { sessions: 5, messagesPerSession: 10, seed: 1 });
      expect(second.sessionIds.length).toBe(5);
      expect(second.sessionIds.filter((id) => firstIds.has(id))).toEqual([]);
      expect(db.sessions.count()).toBe(10);
      expect(db.metadata.get()).toMatchObject({ totalSessions: 10, totalMessages: 100 });
      const titles = db.sessions.list().map((s) => s.title);
      expect(new Set(titles).size).toBe(10);
      expect(titles.filter((t) => firstTitles.has(t)).length).toBe(5);
      const messageIds = db.connection.prepare(`SELECT COUNT(DISTINCT id) AS n FROM messages`).get() as { n: number };
      expect(messageIds.n).toBe(100);
    });
  });

  it('adds to sessions made by hand', async () => {
    await withDemo([], (db) => {
      const mine = db.sessions.create({ title: 'my own chat' });
      db.messages.append(mine.id, { role: 'user', content: 'keep me' });
      generateDemoData(db.connection, { sessions: 3, messagesPerSession: 4, seed: 9 });
      expect(db.sessions.count()).toBe(4);
      expect(db.messages.listForSession(mine.id).map((m) => m.content)).toEqual(['keep me']);
    });
  });

  it('has unicode, emoji, code blocks and some long messages among mostly short ones', async () => {
    await withDemo([{ sessions: 20, messagesPerSession: 50, seed: 5 }], (db) => {
      const content = allContent(db);
      expect(content.length).toBe(1000);
      const count = (re: RegExp) => content.filter((c) => re.test(c)).length;
      expect(count(/\P{ASCII}/u)).toBeGreaterThan(50);
      expect(count(/[\u3040-\u30ff\u4e00-\u9fff]/)).toBeGreaterThan(10); // CJK
      expect(count(/\p{Extended_Pictographic}/u)).toBeGreaterThan(10);
      expect(count(/```[a-z]*\n[\s\S]*?\n```/)).toBeGreaterThan(20);
      const lengths = content.map((c) => c.length).sort((x, y) => x - y);
      const median = lengths[Math.floor(lengths.length / 2)]!;
      const longOnes = lengths.filter((n) => n > 10_000).length;
      expect(longOnes).toBeGreaterThan(0);
      expect(longOnes).toBeLessThan(content.length * 0.1);
      expect(median).toBeLessThan(2_000);
      expect(lengths[0]!).toBeLessThan(200);
      // Titles and content are valid text, not mangled by the round trip.
      expect(content.some((c) => c.includes('\uFFFD'))).toBe(false);
    });
  });
});
