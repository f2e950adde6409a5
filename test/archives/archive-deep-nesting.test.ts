import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir';
import { generateDemoData } from '../../src-main/db';
import { exportSessionArchive, importSessionArchive } from '../../src-main/archives';
import { jsonNestingDepth, MAX_JSON_DEPTH } from '../../src-main/archives/json-scan';
import { contentDigest, openFolder, readArchive } from './helpers';

/** 200,000 levels: far past any recursion limit of JSON.stringify or zod. */
const DEPTH = 200_000;
const deepArray = '['.repeat(DEPTH) + ']'.repeat(DEPTH);
const deepObject = '{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH);

let dir: string;
let dbFile: string;
let goodText: string;
let digest: string;

beforeEach(async () => {
  dir = tempDir();
  const db = await openFolder(path.join(dir, 'data'));
  const { sessionIds } = generateDemoData(db.connection, { sessions: 1, messagesPerSession: 5, seed: 3 });
  dbFile = db.file;
  digest = contentDigest(db);
  db.close();
  const good = path.join(dir, 'good.json.gz');
  await exportSessionArchive(dbFile, sessionIds[0]!, good);
  // The archive as text, with a marker where the first message's metadata goes.
  const doc = readArchive(good);
  doc.messages[0]!.metadata = '__DEEP__' as unknown as Record<string, unknown>;
  goodText = JSON.stringify(doc);
});

function gz(name: string, text: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, zlib.gzipSync(Buffer.from(text)));
  return f;
}

async function refusal(file: string): Promise<{ code: string; message: string }> {
  const err = await importSessionArchive(dbFile, file).then(
    () => null,
    (e: unknown) => e as { code: string; message: string },
  );
  expect(err, 'the import should have been refused').not.toBeNull();
  const db = await openFolder(path.join(dir, 'data'));
  try {
    expect(contentDigest(db)).toBe(digest);
  } finally {
    db.close();
  }
  return err!;
}

describe('deeply nested archives are refused as invalid, never as a stack overflow', () => {
  it('the depth scanner counts nesting without recursing, and ignores brackets in strings', () => {
    expect(jsonNestingDepth(deepArray)).toBe(DEPTH);
    expect(jsonNestingDepth(deepObject, 10)).toBe(11);
    expect(jsonNestingDepth('{"a":"[[[[\\"[[[","b":[1,{"c":[]}]}')).toBe(4);
  });

  it('a message whose metadata is nested 200,000 levels deep (objects and arrays)', async () => {
    for (const [name, deep] of [
      ['deep-meta-object', deepObject],
      ['deep-meta-array', `{"x":${deepArray}}`],
    ] as const) {
      const err = await refusal(gz(`${name}.json.gz`, goodText.replace('"__DEEP__"', deep)));
      expect(err.code, name).toBe('invalid_archive');
      expect(err.message).toMatch(new RegExp(`messages\\[0\\] is nested more than ${MAX_JSON_DEPTH} levels deep`));
      expect(err.message).not.toMatch(/call stack/);
    }
  });

  it('a whole document nested 200,000 levels deep, and a deep header value', async () => {
    for (const [name, text] of [
      ['deep-array', deepArray],
      ['deep-object', deepObject],
      ['deep-header', `{"format":${deepArray}}`],
    ] as const) {
      const err = await refusal(gz(`${name}.json.gz`, text));
      expect(err.code, name).toBe('invalid_archive');
      expect(err.message).not.toMatch(/call stack/);
    }
  });

  it('nesting just under the limit is still read (the limit is not a blanket refusal)', async () => {
    const ok = '{"a":'.repeat(MAX_JSON_DEPTH - 3) + '1' + '}'.repeat(MAX_JSON_DEPTH - 3);
    const err = await refusal(gz('near-limit.json.gz', goodText.replace('"__DEEP__"', ok)));
    // It gets past the depth check and fails later, on the checksum the marker edit broke.
    expect(err.code).toBe('checksum_mismatch');
  });
});
