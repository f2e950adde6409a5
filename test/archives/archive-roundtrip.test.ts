import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir';
import { seededRandom } from '../../src-main/db';
import { exportSessionArchive, importSessionArchive, RESTORED_SUFFIX } from '../../src-main/archives';
import { openFolder, readArchive, archiveChecksum } from './helpers';

/** Random text of many kinds: unicode, emoji, control-ish characters (no NUL), long and empty. */
function randomContent(rand: () => number): string {
  const kind = Math.floor(rand() * 7);
  const len = Math.floor(rand() * 200);
  const pick = (s: string[]) => s[Math.floor(rand() * s.length)]!;
  switch (kind) {
    case 0:
      return '';
    case 1:
      return Array.from({ length: len }, () => pick(['日本語', 'Ελληνικά', 'עברית', 'हिन्दी', 'e\u0301', 'ß'])).join(
        ' ',
      );
    case 2:
      return Array.from({ length: len }, () => pick(['🙂', '👩‍💻', '🇳🇿', '👍🏽', '🧠', '\u200d'])).join('');
    case 3: {
      // Binary-ish: any BMP code point except NUL and lone surrogates, plus astral pairs.
      let s = '';
      for (let i = 0; i < len; i++) {
        const r = rand();
        if (r < 0.1) s += String.fromCodePoint(0x10000 + Math.floor(rand() * 0xfffff));
        else {
          let c = 1 + Math.floor(rand() * 0xfffe);
          if (c >= 0xd800 && c <= 0xdfff) c = 0x2028;
          s += String.fromCharCode(c);
        }
      }
      return s;
    }
    case 4:
      return 'long '.repeat(50_000 + Math.floor(rand() * 100_000)); // 250-750 KB
    case 5:
      return '```ts\nconst x = "quotes \\" and \\\\ backslashes";\n```\n\t\r\n' + '\u0001\u001f\u007f';
    default:
      return JSON.stringify({ nested: { json: [1, 2.5, 'three'] }, weird: '"}],' });
  }
}

interface Row {
  [k: string]: unknown;
}

describe('session archives round-trip byte for byte', () => {
  it('random sessions survive export -> import into another database', async () => {
    const dir = tempDir();
    const src = await openFolder(path.join(dir, 'src'));
    const dst = await openFolder(path.join(dir, 'dst'));
    try {
      for (let seed = 1; seed <= 6; seed++) {
        const rand = seededRandom(seed);
        const sid = `s-${seed}`;
        const n = Math.floor(rand() * 60);
        const metadata = JSON.stringify({ seed, tags: ['a', '🙂'], nested: { x: rand() } });
        src.connection
          .prepare(
            `INSERT INTO sessions (id, title, model, created_at, updated_at, prompt_tokens, completion_tokens,
             total_tokens, cost_usd, starred, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            sid,
            randomContent(rand).slice(0, 300),
            'model-' + seed,
            1000 + seed,
            5000 + seed,
            1,
            2,
            3,
            0.125 * seed,
            seed % 2,
            metadata,
          );
        const insert = src.connection.prepare(
          `INSERT INTO messages (id, session_id, sequence, role, content, token_count, created_at, metadata)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        );
        for (let i = 1; i <= n; i++) {
          insert.run(
            `m-${seed}-${i}`,
            sid,
            i,
            (['system', 'user', 'assistant', 'tool'] as const)[Math.floor(rand() * 4)],
            randomContent(rand),
            Math.floor(rand() * 5000),
            1_700_000_000_000 + Math.floor(rand() * 1e9),
            rand() < 0.5 ? '{}' : JSON.stringify({ k: randomContent(rand).slice(0, 50), n: Math.floor(rand() * 100) }),
          );
        }
        const file = path.join(dir, `${sid}.json.gz`);
        const progress: number[] = [];
        const exp = await exportSessionArchive(src.file, sid, file, { onProgress: (p) => progress.push(p.done) });
        expect(exp.messageCount).toBe(n);
        // The file proves itself: an independent checksum over its canonical content matches.
        const doc = readArchive(file);
        expect(doc.metadata.content_sha256).toBe(archiveChecksum(doc));
        expect(doc.metadata.message_count).toBe(n);

        const imp = await importSessionArchive(dst.file, file);
        expect(imp.sessionId).not.toBe(sid);
        const srcSession = src.connection.prepare(`SELECT * FROM sessions WHERE id = ?`).get(sid) as Row;
        const dstSession = dst.connection.prepare(`SELECT * FROM sessions WHERE id = ?`).get(imp.sessionId) as Row;
        expect(dstSession.title).toBe(`${srcSession.title as string}${RESTORED_SUFFIX}`);
        for (const col of [
          'model',
          'created_at',
          'updated_at',
          'prompt_tokens',
          'completion_tokens',
          'total_tokens',
          'cost_usd',
          'starred',
        ]) {
          expect(dstSession[col], col).toBe(srcSession[col]);
        }
        const { archive, ...restMeta } = JSON.parse(dstSession.metadata as string) as Record<string, unknown>;
        expect(restMeta).toEqual(JSON.parse(srcSession.metadata as string));
        expect((archive as { sha256: string }).sha256).toBe(exp.sha256);

        const srcMsgs = src.connection
          .prepare(`SELECT * FROM messages WHERE session_id = ? ORDER BY sequence`)
          .all(sid) as Row[];
        const dstMsgs = dst.connection
          .prepare(`SELECT * FROM messages WHERE session_id = ? ORDER BY sequence`)
          .all(imp.sessionId) as Row[];
        expect(dstMsgs.length).toBe(srcMsgs.length);
        srcMsgs.forEach((m, i) => {
          const d = dstMsgs[i]!;
          expect(d.id).not.toBe(m.id);
          expect(Buffer.from(d.content as string, 'utf8').equals(Buffer.from(m.content as string, 'utf8'))).toBe(true);
          expect(d.content).toBe(m.content);
          for (const col of ['sequence', 'role', 'token_count', 'created_at', 'metadata'])
            expect(d[col], col).toBe(m[col]);
        });
      }
    } finally {
      src.close();
      dst.close();
    }
  });

  it('re-import of the same archive is refused with the existing copy named, unless allowed', async () => {
    const dir = tempDir();
    const db = await openFolder(path.join(dir, 'd'));
    db.sessions.create({ id: 'one', title: 'Trip' });
    db.messages.append('one', { role: 'user', content: 'hello' });
    const file = path.join(dir, 'a.json.gz');
    await exportSessionArchive(db.file, 'one', file);
    const first = await importSessionArchive(db.file, file);
    const err = await importSessionArchive(db.file, file).catch((e: { code: string; message: string }) => e);
    expect(err).toMatchObject({ code: 'duplicate_archive' });
    expect((err as unknown as Error).message).toContain(first.sessionId);
    expect((err as unknown as Error).message).toContain('Trip (restored)');
    expect(db.sessions.count()).toBe(2);
    const second = await importSessionArchive(db.file, file, { allowDuplicate: true });
    expect(second.duplicateOf).toBe(first.sessionId);
    expect(db.sessions.count()).toBe(3);
    db.close();
  });

  it('beforeImport runs after validation and before the write; a failure there writes nothing', async () => {
    const dir = tempDir();
    const db = await openFolder(path.join(dir, 'd'));
    db.sessions.create({ id: 'one', title: 'T' });
    const file = path.join(dir, 'a.json.gz');
    await exportSessionArchive(db.file, 'one', file);
    const calls: string[] = [];
    await expect(
      importSessionArchive(db.file, file, {
        beforeImport: async (s) => {
          calls.push(s.sourceSessionId);
          throw new Error('snapshot failed');
        },
      }),
    ).rejects.toThrow(/snapshot failed/);
    expect(calls).toEqual(['one']);
    expect(db.sessions.count()).toBe(1);
    db.close();
  });

  it('Markdown export keeps roles, timestamps and code blocks, and closes an open fence', async () => {
    const dir = tempDir();
    const db = await openFolder(path.join(dir, 'd'));
    db.sessions.create({ id: 'md', title: 'Code talk' });
    db.messages.append('md', { role: 'user', content: 'Show code', createdAt: Date.UTC(2026, 0, 2, 3, 4, 5) });
    db.messages.append('md', { role: 'assistant', content: 'Here:\n```js\nconsole.log(1);\n```' });
    db.messages.append('md', { role: 'assistant', content: 'Broken:\n```py\nprint(2)' });
    db.messages.append('md', { role: 'user', content: 'Thanks' });
    const out = path.join(dir, 'talk.md');
    const r = await exportSessionArchive(db.file, 'md', out, { format: 'md' });
    const md = fs.readFileSync(out, 'utf8');
    expect(r.messageCount).toBe(4);
    expect(md).toMatch(/^# Code talk\n/);
    expect(md).toContain('### 1. user · 2026-01-02T03:04:05.000Z');
    expect(md).toContain('```js\nconsole.log(1);\n```');
    expect(md).toContain('```py\nprint(2)\n```');
    expect(md).toMatch(/### 4\. user · .*\n\nThanks\n/);
    db.close();
  });

  it('exporting a missing session fails clearly and leaves no file', async () => {
    const dir = tempDir();
    const db = await openFolder(path.join(dir, 'd'));
    db.close();
    const out = path.join(dir, 'x.json.gz');
    await expect(exportSessionArchive(db.file, 'nope', out)).rejects.toMatchObject({ code: 'not_found' });
    expect(fs.readdirSync(dir)).toEqual(['d']);
  });
});
