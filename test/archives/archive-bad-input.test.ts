import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { beforeEach, describe, expect, it } from 'vitest';
import { seededBytes } from '../helpers/seeded-random';
import { tempDir } from '../helpers/temp-dir';
import { generateDemoData } from '../../src-main/db';
import { exportSessionArchive, importSessionArchive, type TransferProgress } from '../../src-main/archives';
import { contentDigest, openFolder, readArchive, writeArchive, type ArchiveDoc } from './helpers';

let dir: string;
let dbFile: string;
let good: string;
let before: { counts: Record<string, number>; digest: string };

beforeEach(async () => {
  dir = tempDir();
  const db = await openFolder(path.join(dir, 'data'));
  const { sessionIds } = generateDemoData(db.connection, { sessions: 2, messagesPerSession: 20, seed: 7 });
  dbFile = db.file;
  before = { counts: db.tableCounts(), digest: contentDigest(db) };
  db.close();
  good = path.join(dir, 'good.json.gz');
  await exportSessionArchive(dbFile, sessionIds[0]!, good);
});

async function expectRefused(file: string, code: string, message: RegExp, opts = {}) {
  const err = await importSessionArchive(dbFile, file, opts).then(
    () => null,
    (e: unknown) => e as { code: string; message: string },
  );
  expect(err, 'import should have been refused').not.toBeNull();
  expect(err!.code).toMatch(new RegExp(`^(${code})$`));
  expect(err!.message).toMatch(message);
  expect(err!.message).toMatch(/Nothing was changed/);
  const db = await openFolder(path.join(dir, 'data'));
  try {
    expect(db.tableCounts()).toEqual(before.counts);
    expect(contentDigest(db)).toBe(before.digest);
  } finally {
    db.close();
  }
}

const doctored = (name: string, change: (doc: ArchiveDoc) => void, opts?: { rehash?: boolean }) => {
  const doc = readArchive(good);
  change(doc);
  return writeArchive(path.join(dir, name), doc, opts);
};
const gzipText = (name: string, text: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, zlib.gzipSync(Buffer.from(text)));
  return f;
};

describe('session archive import refuses bad input and changes nothing', () => {
  it('accepts the untouched archive (control case)', async () => {
    const r = await importSessionArchive(dbFile, good);
    expect(r.messageCount).toBe(20);
  });

  it('truncated gzip (cut in the middle)', async () => {
    const bytes = fs.readFileSync(good);
    const f = path.join(dir, 'cut.json.gz');
    fs.writeFileSync(f, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expectRefused(f, 'corrupt_file', /damaged or truncated/);
  });

  it('truncated gzip (only the trailer missing)', async () => {
    const bytes = fs.readFileSync(good);
    const f = path.join(dir, 'cut-trailer.json.gz');
    fs.writeFileSync(f, bytes.subarray(0, bytes.length - 6));
    await expectRefused(f, 'corrupt_file', /damaged or truncated/);
  });

  it('random bytes', async () => {
    const f = path.join(dir, 'random.bin');
    const bytes = seededBytes(11, 4096);
    bytes[0] = 0x42; // never the gzip magic by chance
    fs.writeFileSync(f, bytes);
    await expectRefused(f, 'not_gzip', /not a gzipped Strata archive/);
  });

  it('random bytes behind a gzip signature', async () => {
    // Arbitrary bytes may fail as deflate data, as text that is not UTF-8, or as text that is
    // not an archive; each is an honest refusal. Several fixed seeds cover those paths.
    for (let seed = 1; seed <= 8; seed++) {
      const f = path.join(dir, `random-${seed}.gz`);
      fs.writeFileSync(f, Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), seededBytes(seed, 4096)]));
      await expectRefused(f, 'corrupt_file|invalid_file|invalid_archive', /damaged or truncated|UTF-8|archive/);
    }
  });

  it('a flipped byte inside the compressed data', async () => {
    const bytes = Buffer.from(fs.readFileSync(good));
    bytes[Math.floor(bytes.length / 2)]! ^= 0x55;
    const f = path.join(dir, 'flipped.json.gz');
    fs.writeFileSync(f, bytes);
    await expectRefused(f, 'corrupt_file|invalid_archive|invalid_file|checksum_mismatch', /./);
  });

  it('valid gzip holding invalid JSON', async () => {
    await expectRefused(
      gzipText('bad.json.gz', '{"format":"strata-session-archive", oops'),
      'invalid_archive',
      /unexpected/,
    );
    await expectRefused(gzipText('bad2.json.gz', 'hello world'), 'invalid_archive', /not valid JSON|not an archive/);
  });

  it('valid JSON of the wrong shape', async () => {
    await expectRefused(gzipText('arr.json.gz', '[1,2,3]'), 'invalid_archive', /JSON array/);
    await expectRefused(
      gzipText('obj.json.gz', '{"hello":"world"}'),
      'invalid_archive',
      /not a Strata session archive/,
    );
    await expectRefused(gzipText('str.json.gz', '"just a string"'), 'invalid_archive', /a string, not an archive/);
    await expectRefused(
      gzipText('other.json.gz', '{"format":"strata-settings","version":1}'),
      'invalid_archive',
      /'strata-settings' file/,
    );
    await expectRefused(
      doctored(
        'nomsgs.json.gz',
        (d) => {
          (d as unknown as Record<string, unknown>).messages = { a: 1 };
        },
        { rehash: false },
      ),
      'invalid_archive',
      /messages must be an array/,
    );
    const noMetadata = readArchive(good) as unknown as Record<string, unknown>;
    delete noMetadata.metadata;
    await expectRefused(
      gzipText('nometa.json.gz', JSON.stringify(noMetadata)),
      'invalid_archive',
      /'metadata' field is missing/,
    );
  });

  it('wrong types', async () => {
    await expectRefused(
      doctored('types1.json.gz', (d) => (d.messages[3]!.token_count = '12')),
      'invalid_archive',
      /messages\[3\]\.token_count/,
    );
    await expectRefused(
      doctored('types2.json.gz', (d) => (d.messages[0]!.role = 'hacker')),
      'invalid_archive',
      /messages\[0\]\.role/,
    );
    await expectRefused(
      doctored('types3.json.gz', (d) => (d.session.created_at = -5)),
      'invalid_archive',
      /session\.created_at/,
    );
    await expectRefused(
      doctored('types4.json.gz', (d) => (d.messages[1]!.metadata = [1, 2])),
      'invalid_archive',
      /messages\[1\]\.metadata/,
    );
    await expectRefused(
      doctored('types5.json.gz', (d) => delete d.messages[2]!.content),
      'invalid_archive',
      /messages\[2\]\.content/,
    );
  });

  it('duplicate or missing sequences', async () => {
    await expectRefused(
      doctored('dup.json.gz', (d) => (d.messages[5]!.sequence = 5)),
      'invalid_archive',
      /messages\[5\] has sequence 5, a duplicate/,
    );
    await expectRefused(
      doctored('gap.json.gz', (d) => {
        d.messages.splice(4, 1);
        d.metadata.message_count = d.messages.length;
      }),
      'invalid_archive',
      /messages\[4\] has sequence 6, a gap/,
    );
    await expectRefused(
      doctored('noseq.json.gz', (d) => delete d.messages[0]!.sequence),
      'invalid_archive',
      /messages\[0\]\.sequence/,
    );
    await expectRefused(
      doctored('count.json.gz', (d) => d.messages.pop()),
      'invalid_archive',
      /metadata says 20 messages but the archive holds 19/,
    );
  });

  it('a huge string is refused before it is written', async () => {
    await expectRefused(
      doctored('huge.json.gz', (d) => (d.messages[2]!.content = 'x'.repeat(9 * 1024 * 1024))),
      'invalid_archive',
      /messages\[2\]\.content is longer than the limit of 8388608 characters/,
    );
    await expectRefused(
      doctored('hugetitle.json.gz', (d) => (d.session.title = 'y'.repeat(20_000))),
      'invalid_archive',
      /session\.title is longer than the limit/,
    );
    // Bigger than the per-record cap: stopped while reading, before the record is complete.
    await expectRefused(
      doctored('hugerecord.json.gz', (d) => (d.messages[1]!.content = 'z'.repeat(70 * 1024 * 1024))),
      'invalid_archive',
      /messages\[1\] is larger than the limit/,
    );
  });

  it('a gzip bomb is stopped early at the configured cap', async () => {
    const f = path.join(dir, 'bomb.json.gz');
    const zeros = Buffer.alloc(64 * 1024 * 1024, 0x20);
    fs.writeFileSync(f, zlib.gzipSync(Buffer.concat([Buffer.from('{"format":"strata-session-archive"'), zeros])));
    const seen: TransferProgress[] = [];
    await expectRefused(f, 'too_large', /unpacks to more than 4194304 bytes/, {
      maxDecompressedBytes: 4 * 1024 * 1024,
      onProgress: (p: TransferProgress) => seen.push(p),
    });
    // It stopped long before reading the whole compressed file.
    const size = fs.statSync(f).size;
    expect(seen.every((p) => p.done < size)).toBe(true);
  });

  it('a gzip bomb is stopped at the default 1 GiB cap', async () => {
    // 1.1 GiB of spaces compress to ~1 MiB; import must stop at 1 GiB without holding it.
    const f = path.join(dir, 'bigbomb.json.gz');
    const gz = zlib.createGzip({ level: 9 });
    const out = fs.createWriteStream(f);
    gz.pipe(out);
    const block = Buffer.alloc(16 * 1024 * 1024, 0x20);
    gz.write('{"format":"strata-session-archive","version":1,"archived_at":');
    for (let i = 0; i < 70; i++) if (!gz.write(block)) await new Promise<void>((r) => gz.once('drain', () => r()));
    gz.end();
    await new Promise<void>((r) => out.on('finish', () => r()));
    await expectRefused(f, 'too_large', /unpacks to more than 1073741824 bytes/);
  }, 300_000);

  it('__proto__ and constructor keys are harmless', async () => {
    const text = JSON.stringify(readArchive(good)).replace(
      '"format":"strata-session-archive"',
      '"__proto__":{"polluted":true},"format":"strata-session-archive"',
    );
    await expectRefused(gzipText('proto-top.json.gz', text), 'invalid_archive', /starts with '__proto__'/);
    const inSession = JSON.stringify(readArchive(good)).replace(
      '"session":{',
      '"session":{"__proto__":{"polluted":1},',
    );
    await expectRefused(
      gzipText('proto-session.json.gz', inSession),
      'invalid_archive',
      /unexpected key\(s\) __proto__/,
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    // Inside free-form metadata they are plain data: imported as such, nothing polluted.
    const doc = readArchive(good);
    doc.session.metadata = JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}');
    doc.messages[0]!.metadata = JSON.parse('{"__proto__":{"isAdmin":true}}');
    const f = writeArchive(path.join(dir, 'proto-meta.json.gz'), doc);
    const r = await importSessionArchive(dbFile, f);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    const db = await openFolder(path.join(dir, 'data'));
    try {
      const row = db.connection.prepare(`SELECT metadata FROM sessions WHERE id = ?`).get(r.sessionId) as {
        metadata: string;
      };
      expect(row.metadata).toContain('"__proto__":{"polluted":true}');
      expect(row.metadata).toContain('"constructor"');
    } finally {
      db.close();
    }
  });

  it('a future format version', async () => {
    await expectRefused(
      doctored('v2.json.gz', (d) => (d.version = 2)),
      'unsupported_version',
      /format version 2, newer than this Strata supports \(1\)/,
    );
  });

  it('a checksum mismatch', async () => {
    await expectRefused(
      doctored('tampered.json.gz', (d) => (d.messages[7]!.content = 'tampered'), { rehash: false }),
      'checksum_mismatch',
      /does not match its SHA-256 checksum/,
    );
    await expectRefused(
      doctored('badsum.json.gz', (d) => (d.metadata.content_sha256 = '0'.repeat(64)), { rehash: false }),
      'checksum_mismatch',
      /checksum/,
    );
  });

  it('a message that belongs to another session', async () => {
    await expectRefused(
      doctored('foreign.json.gz', (d) => (d.messages[0]!.session_id = 'someone-else')),
      'invalid_archive',
      /not the archived session/,
    );
  });

  it('invalid UTF-8', async () => {
    const f = path.join(dir, 'utf8.json.gz');
    fs.writeFileSync(
      f,
      zlib.gzipSync(Buffer.concat([Buffer.from('{"format":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])),
    );
    await expectRefused(f, 'invalid_file', /not valid UTF-8/);
  });

  it('a gzip of several members: each member is checked, and nothing may follow the last', async () => {
    const text = zlib.gunzipSync(fs.readFileSync(good));
    const cut = Math.floor(text.length / 3);
    const members = [zlib.gzipSync(text.subarray(0, cut)), zlib.gzipSync(text.subarray(cut))];
    const two = path.join(dir, 'two-members.json.gz');
    fs.writeFileSync(two, Buffer.concat(members));
    expect((await importSessionArchive(dbFile, two, { allowDuplicate: true })).messageCount).toBe(20);
    // Back to the state before, so every refusal below is checked against it.
    const db = await openFolder(path.join(dir, 'data'));
    db.sessions.delete(db.sessions.list({ search: '(restored)' })[0]!.id);
    before = { counts: db.tableCounts(), digest: contentDigest(db) };
    db.close();

    const first = Buffer.from(members[0]!);
    first[first.length - 8]! ^= 0x01; // the first member's CRC-32
    fs.writeFileSync(path.join(dir, 'crc.json.gz'), Buffer.concat([first, members[1]!]));
    await expectRefused(path.join(dir, 'crc.json.gz'), 'corrupt_file', /damaged or truncated/);
    const second = members[1]!.subarray(0, members[1]!.length - 3);
    fs.writeFileSync(path.join(dir, 'cut2.json.gz'), Buffer.concat([members[0]!, second]));
    await expectRefused(path.join(dir, 'cut2.json.gz'), 'corrupt_file', /damaged or truncated/);
    fs.writeFileSync(path.join(dir, 'tail.json.gz'), Buffer.concat([...members, Buffer.from('trailing junk')]));
    await expectRefused(path.join(dir, 'tail.json.gz'), 'corrupt_file', /damaged or truncated/);
  });
});
