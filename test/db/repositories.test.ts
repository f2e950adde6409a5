import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StrataDatabase } from '../../src-main/db';
import { tempDir } from '../helpers/temp-dir';
import { openTestDb } from '../helpers/db-dump';

const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);
let clockNow = T0;
/** A clock the test moves by hand, so updated_at values and orderings are known. */
const now = () => clockNow;
let db: StrataDatabase;

beforeEach(async () => {
  clockNow = T0;
  db = await openTestDb(tempDir(), { now });
});
afterEach(() => db.close());

describe('sessions', () => {
  it('create fills defaults and get returns what was stored', () => {
    const s = db.sessions.create({ title: 'Trip to Kyoto 🗾', model: 'gpt-4o', metadata: { tag: 'travel' } });
    expect(s.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(db.sessions.get(s.id)).toEqual({
      id: s.id,
      title: 'Trip to Kyoto 🗾',
      model: 'gpt-4o',
      createdAt: T0,
      updatedAt: T0,
      promptTokens: 0,
      completionTokens: 0,
      totalTokens: 0,
      costUsd: 0,
      starred: false,
      metadata: { tag: 'travel' },
    });
    expect(db.sessions.get('missing')).toBeNull();
  });

  it('create with an explicit id keeps it and refuses a duplicate', () => {
    db.sessions.create({ id: 'fixed-id', title: 'first' });
    expect(() => db.sessions.create({ id: 'fixed-id', title: 'second' })).toThrow(/UNIQUE/);
    expect(db.sessions.get('fixed-id')?.title).toBe('first');
    expect(db.sessions.count()).toBe(1);
  });

  it('list is newest first with message counts', () => {
    clockNow = T0 + 1000;
    const old = db.sessions.create({ title: 'old' });
    clockNow = T0 + 2000;
    const mid = db.sessions.create({ title: 'middle' });
    clockNow = T0 + 3000;
    const fresh = db.sessions.create({ title: 'fresh' });
    for (let i = 0; i < 3; i++) db.messages.append(mid.id, { role: 'user', content: `m${i}`, createdAt: T0 + 2500 });
    db.messages.append(old.id, { role: 'user', content: 'reply', createdAt: T0 + 5000 });

    const list = db.sessions.list();
    // old got a newer message, so it moved to the top.
    expect(list.map((s) => s.title)).toEqual(['old', 'fresh', 'middle']);
    expect(Object.fromEntries(list.map((s) => [s.title, s.messageCount]))).toEqual({ old: 1, fresh: 0, middle: 3 });
    expect(list.find((s) => s.id === fresh.id)?.updatedAt).toBe(T0 + 3000);
  });

  it('list searches titles case-insensitively and treats % and _ literally', () => {
    for (const title of ['SQLite WAL questions', 'sqlite lifetimes', 'Birthday ideas', '100% done', 'snake_case']) {
      clockNow += 1;
      db.sessions.create({ title });
    }
    expect(
      db.sessions
        .list({ search: 'SQLITE' })
        .map((s) => s.title)
        .sort(),
    ).toEqual(['SQLite WAL questions', 'sqlite lifetimes']);
    expect(db.sessions.list({ search: '%' }).map((s) => s.title)).toEqual(['100% done']);
    expect(db.sessions.list({ search: 'e_c' }).map((s) => s.title)).toEqual(['snake_case']);
    expect(db.sessions.list({ search: 'nothing like this' })).toEqual([]);
  });

  it('list pages with limit and offset', () => {
    for (let i = 0; i < 7; i++) {
      clockNow = T0 + i;
      db.sessions.create({ title: `s${i}` });
    }
    expect(db.sessions.list({ limit: 3 }).map((s) => s.title)).toEqual(['s6', 's5', 's4']);
    expect(db.sessions.list({ limit: 3, offset: 3 }).map((s) => s.title)).toEqual(['s3', 's2', 's1']);
    expect(db.sessions.list({ limit: 3, offset: 6 }).map((s) => s.title)).toEqual(['s0']);
  });

  it('rename and star change the session and bump updated_at', () => {
    const s = db.sessions.create({ title: 'draft' });
    clockNow = T0 + 10_000;
    expect(db.sessions.rename(s.id, 'Résumé review')).toBe(true);
    expect(db.sessions.get(s.id)).toMatchObject({ title: 'Résumé review', updatedAt: T0 + 10_000 });
    clockNow = T0 + 20_000;
    expect(db.sessions.setStarred(s.id, true)).toBe(true);
    expect(db.sessions.get(s.id)).toMatchObject({ starred: true, updatedAt: T0 + 20_000 });
    expect(db.sessions.setStarred(s.id, false)).toBe(true);
    expect(db.sessions.get(s.id)?.starred).toBe(false);
    expect(db.sessions.rename('missing', 'x')).toBe(false);
    expect(db.sessions.setStarred('missing', true)).toBe(false);
  });

  it('delete removes the session and its messages, and says whether it existed', () => {
    const s = db.sessions.create({ title: 'bye' });
    const keep = db.sessions.create({ title: 'keep' });
    db.messages.append(s.id, { role: 'user', content: 'hello' });
    expect(db.sessions.delete(s.id)).toBe(true);
    expect(db.sessions.get(s.id)).toBeNull();
    expect(db.messages.listForSession(s.id)).toEqual([]);
    expect(db.sessions.delete(s.id)).toBe(false);
    expect(db.sessions.list().map((x) => x.id)).toEqual([keep.id]);
  });
});

describe('messages', () => {
  it('append numbers messages 1, 2, 3 per session and keeps token totals', () => {
    const a = db.sessions.create({ title: 'a' });
    const b = db.sessions.create({ title: 'b' });
    const m1 = db.messages.append(a.id, { role: 'system', content: 'be brief', tokenCount: 3 });
    const m2 = db.messages.append(a.id, { role: 'user', content: 'hi', tokenCount: 10 });
    const other = db.messages.append(b.id, { role: 'user', content: 'elsewhere', tokenCount: 1 });
    const m3 = db.messages.append(a.id, { role: 'assistant', content: 'hello!', tokenCount: 25, metadata: { m: 1 } });
    expect([m1.sequence, m2.sequence, m3.sequence]).toEqual([1, 2, 3]);
    expect(other.sequence).toBe(1);
    expect(m3).toMatchObject({ sessionId: a.id, role: 'assistant', content: 'hello!', metadata: { m: 1 } });
    expect(db.sessions.get(a.id)).toMatchObject({ promptTokens: 13, completionTokens: 25, totalTokens: 38 });
    expect(db.metadata.get().totalMessages).toBe(4);
    expect(db.messages.countForSession(a.id)).toBe(3);
  });

  it('append moves the session updated_at forward, never back', () => {
    const s = db.sessions.create({ title: 's' });
    db.messages.append(s.id, { role: 'user', content: 'later', createdAt: T0 + 50_000 });
    expect(db.sessions.get(s.id)?.updatedAt).toBe(T0 + 50_000);
    db.messages.append(s.id, { role: 'user', content: 'backdated', createdAt: T0 + 1 });
    expect(db.sessions.get(s.id)?.updatedAt).toBe(T0 + 50_000);
  });

  it('refuses a role outside system/user/assistant/tool', () => {
    const s = db.sessions.create({ title: 's' });
    expect(() => db.messages.append(s.id, { role: 'robot' as never, content: 'x' })).toThrow(/CHECK/);
    expect(db.messages.countForSession(s.id)).toBe(0);
  });

  it('list and iterate return messages in sequence order, with paging', () => {
    const s = db.sessions.create({ title: 's' });
    const contents = Array.from({ length: 25 }, (_, i) => `message ${i + 1} ${'é'.repeat(i)}`);
    for (const [i, content] of contents.entries()) {
      db.messages.append(s.id, { role: i % 2 ? 'assistant' : 'user', content });
    }
    expect(db.messages.listForSession(s.id).map((m) => m.content)).toEqual(contents);
    expect([...db.messages.iterateSession(s.id)].map((m) => m.sequence)).toEqual(contents.map((_, i) => i + 1));
    const page = db.messages.listForSession(s.id, { afterSequence: 10, limit: 5 });
    expect(page.map((m) => m.sequence)).toEqual([11, 12, 13, 14, 15]);
    expect(db.messages.get(page[0]!.id)?.content).toBe(contents[10]);
  });
});

describe('settings', () => {
  it('set/get round-trips JSON values and bumps the version on each change', () => {
    expect(db.settings.get('theme')).toBeNull();
    expect(db.settings.getValue('theme', 'light')).toBe('light');
    const first = db.settings.set('theme', { mode: 'dark', accent: '#ff0' });
    expect(first).toMatchObject({ key: 'theme', value: { mode: 'dark', accent: '#ff0' }, version: 1, secret: false });
    clockNow = T0 + 99;
    const second = db.settings.set('theme', { mode: 'light' });
    expect(second).toMatchObject({ value: { mode: 'light' }, version: 2, updatedAt: T0 + 99 });
    expect(db.settings.getValue('theme', null)).toEqual({ mode: 'light' });
    db.settings.set('count', 3);
    db.settings.set('nothing', null);
    expect(db.settings.list().map((e) => [e.key, e.value])).toEqual([
      ['count', 3],
      ['nothing', null],
      ['theme', { mode: 'light' }],
    ]);
  });

  it('keeps the secret flag unless a write says otherwise', () => {
    db.settings.set('api-key', 'sk-123', { secret: true });
    expect(db.settings.get('api-key')?.secret).toBe(true);
    db.settings.set('api-key', 'sk-456');
    expect(db.settings.get('api-key')).toMatchObject({ value: 'sk-456', secret: true, version: 2 });
    db.settings.set('api-key', 'public', { secret: false });
    expect(db.settings.get('api-key')).toMatchObject({ secret: false, version: 3 });
  });

  it('delete removes the key', () => {
    db.settings.set('x', 1);
    expect(db.settings.delete('x')).toBe(true);
    expect(db.settings.get('x')).toBeNull();
    expect(db.settings.delete('x')).toBe(false);
  });
});

describe('prompts and favorite actions', () => {
  it('prompts upsert, list by name and delete', () => {
    const id = db.prompts.upsert({ name: 'Translate', content: 'Translate to German', metadata: { lang: 'de' } });
    db.prompts.upsert({ name: 'Explain', content: 'Explain like I am five' });
    clockNow = T0 + 5;
    expect(db.prompts.upsert({ id, name: 'Translate', content: 'Translate to Japanese' })).toBe(id);
    const list = db.prompts.list();
    expect(list.map((p) => p.name)).toEqual(['Explain', 'Translate']);
    expect(list[1]).toMatchObject({ id, content: 'Translate to Japanese', createdAt: T0, updatedAt: T0 + 5 });
    expect(db.prompts.delete(id)).toBe(true);
    expect(db.prompts.list().map((p) => p.name)).toEqual(['Explain']);
    expect(db.prompts.delete(id)).toBe(false);
  });

  it('favorite actions upsert, list by position and delete', () => {
    const c = db.favoriteActions.upsert({ label: 'Copy', action: 'copy', position: 2 });
    db.favoriteActions.upsert({ label: 'Summarise', action: 'summarise', position: 1 });
    db.favoriteActions.upsert({ id: c, label: 'Copy all', action: 'copy-all', position: 0 });
    expect(db.favoriteActions.list().map((a) => [a.label, a.action, a.position])).toEqual([
      ['Copy all', 'copy-all', 0],
      ['Summarise', 'summarise', 1],
    ]);
    expect(db.favoriteActions.delete(c)).toBe(true);
    expect(db.favoriteActions.list().map((a) => a.label)).toEqual(['Summarise']);
  });
});

describe('extension data', () => {
  it('put inserts, then updates with a version bump; list filters by type; delete removes', () => {
    const first = db.extensionData.put('ext.notes', 'notes', { pinned: ['a'] });
    expect(first).toMatchObject({ extensionId: 'ext.notes', dataType: 'notes', data: { pinned: ['a'] }, version: 1 });
    clockNow = T0 + 7;
    const second = db.extensionData.put('ext.notes', 'notes', { pinned: ['a', 'b'] });
    expect(second).toMatchObject({ data: { pinned: ['a', 'b'] }, version: 2, createdAt: T0, updatedAt: T0 + 7 });
    db.extensionData.put('ext.theme', 'theme', 'dark');
    expect(db.extensionData.list().map((r) => r.extensionId)).toEqual(['ext.notes', 'ext.theme']);
    expect(db.extensionData.list('theme').map((r) => [r.extensionId, r.data])).toEqual([['ext.theme', 'dark']]);
    expect(db.extensionData.delete('ext.notes')).toBe(true);
    expect(db.extensionData.get('ext.notes')).toBeNull();
    expect(db.extensionData.delete('ext.notes')).toBe(false);
    expect(db.extensionData.list().length).toBe(1);
  });
});

describe('metadata', () => {
  it('recordBackup stores the backup time', () => {
    expect(db.metadata.get().lastBackupAt).toBeNull();
    clockNow = T0 + 60_000;
    db.metadata.recordBackup(T0 + 42);
    const meta = db.metadata.get();
    expect(meta.lastBackupAt).toBe(T0 + 42);
    expect(meta.updatedAt).toBe(T0 + 60_000);
  });
});
