import { execFileSync } from 'node:child_process';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FileSealer, IdHasher, KeyRing, ObjectSealer, RecoveryKey } from '../../src-main/crypto';
import * as recover from '../../scripts/recover-crypto.mjs';
import { seededBytes } from '../helpers/seeded-random';
import { FAST_SCRYPT, MemoryKeyFiles, plainRecord } from './helpers';

const PASS = 'a passphrase for the reader';

async function sealedStore() {
  const files = new MemoryKeyFiles();
  const ring = new KeyRing({ storeId: 'store-r', files, scrypt: FAST_SCRYPT });
  const made = await ring.create({ passphrase: PASS });
  return { files, ring, ...made, keys: made.master.keys() };
}

describe('the standalone decryptor (scripts/recover-crypto.mjs)', () => {
  it("unlocks the app's key files with the passphrase or the recovery key, and nothing else", async () => {
    const { files, master, recoveryKey } = await sealedStore();
    const keyFiles = [...files.files.values()].map((b) => b.toString('utf8'));
    expect((await recover.unlockStore(keyFiles, 'store-r', { passphrase: PASS }))?.equals(master.reveal())).toBe(true);
    for (const typed of [recoveryKey.format(), recoveryKey.format().toLowerCase().replace(/-/g, ' ')]) {
      const m = await recover.unlockStore(keyFiles, 'store-r', { recoveryKey: typed });
      expect(m?.equals(master.reveal())).toBe(true);
    }
    expect(await recover.unlockStore(keyFiles, 'store-r', { passphrase: 'wrong' })).toBeNull();
    expect(await recover.unlockStore(keyFiles, 'store-x', { passphrase: PASS })).toBeNull();
    const other = RecoveryKey.generate().format();
    expect(await recover.unlockStore(keyFiles, 'store-r', { recoveryKey: other })).toBeNull();
    expect(await recover.unlockStore(['{"cut', ...keyFiles], 'store-r', { passphrase: PASS })).not.toBeNull();
  });

  it('reads recovery keys the way the app writes them, and locates a typo', () => {
    for (let seed = 1; seed < 20; seed++) {
      const bytes = seededBytes(seed, 32);
      expect(recover.parseRecoveryKey(RecoveryKey.fromBytes(bytes).format())).toEqual(bytes);
    }
    const text = RecoveryKey.fromBytes(seededBytes(3, 32)).format();
    const typo = text.slice(0, 31) + (text[31] === 'Z' ? 'Y' : 'Z') + text.slice(32);
    expect(() => recover.parseRecoveryKey(typo)).toThrow(/group 6 has a typo/);
  });

  it("derives the same keys and ids, and opens the app's sealed records and files", async () => {
    const { master, keys } = await sealedStore();
    const r = recover.deriveKeys(master.reveal());
    expect(r.fingerprint).toBe(keys.fingerprint);
    expect(r.dataKey.equals(keys.dataKey) && r.idKey.equals(keys.idKey) && r.fileKey.equals(keys.fileKey)).toBe(true);
    expect(r.configKey.equals(keys.configKey)).toBe(true);

    const page = seededBytes(8, 4096).fill(7, 0, 3000);
    const id = new IdHasher(keys.idKey).id(page);
    expect(recover.objectId(r.idKey, page)).toEqual(id);
    const record = plainRecord(0, 1, 4096, zlib.deflateRawSync(page, { level: 1 }));
    const sealed = new ObjectSealer(keys.dataKey).seal(record, id);
    const opened = recover.openObjectRecord(r.dataKey, sealed, id);
    expect(opened).toEqual(record);
    expect(zlib.inflateRawSync(opened!.subarray(16))).toEqual(page);
    const flipped = Buffer.from(sealed);
    flipped[100]! ^= 4;
    expect(recover.openObjectRecord(r.dataKey, flipped, id)).toBeNull();
    expect(recover.openObjectRecord(r.dataKey, sealed, Buffer.alloc(32))).toBeNull();

    const manifest = Buffer.from(JSON.stringify({ format: 2, meta: { label: 'before the move' } }));
    const file = new FileSealer(keys).seal({ kind: 'manifest', name: 'p1.json' }, manifest);
    expect(recover.isSealedFile(file)).toBe(true);
    expect(recover.openSealedFile(r, 'manifest', 'p1.json', file)).toEqual(manifest);
    expect(recover.openSealedFile(r, 'manifest', 'p2.json', file)).toBeNull();
    expect(recover.openSealedFile(recover.deriveKeys(seededBytes(1, 32)), 'manifest', 'p1.json', file)).toBeNull();
  });

  it('runs in plain Node with no build', () => {
    const script = path.resolve(__dirname, '../../scripts/recover-crypto.mjs');
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import * as r from ${JSON.stringify(script)}; console.log(r.deriveKeys(Buffer.alloc(32).map((_, i) => i)).fingerprint)`,
      ],
      { encoding: 'utf8' },
    );
    expect(out.trim()).toBe('1f6fa4cbd13ccaad');
  });
});
