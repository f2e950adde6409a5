import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCRYPT,
  KeyFileProblem,
  MasterSecret,
  RecoveryKey,
  keyFileName,
  parseKeyFile,
  scryptKey,
  type KeyFile,
} from '../../src-main/crypto';
import { keyEncryptionKey, makeKeyFile, serializeKeyFile, unwrapMaster } from '../../src-main/crypto/key-file';
import { seededRandom } from '../helpers/seeded-random';
import { FAST_SCRYPT } from './helpers';

const master = MasterSecret.generate();
const PASS = 'correct horse battery staple';

async function passphraseFile(): Promise<KeyFile> {
  const { file } = await makeKeyFile({
    storeId: 'store-1',
    kind: 'passphrase',
    label: 'Passphrase',
    master,
    secret: { passphrase: PASS },
    scrypt: FAST_SCRYPT,
  });
  return file;
}

async function opens(file: KeyFile, passphrase = PASS): Promise<MasterSecret | null> {
  const kek = await keyEncryptionKey(file, { passphrase });
  return kek ? unwrapMaster(file, kek) : null;
}

describe('key files', () => {
  it('stores its scrypt parameters and salt, and opens to the master with the passphrase only', async () => {
    const file = await passphraseFile();
    expect(file.kdf).toMatchObject({ name: 'scrypt', ...FAST_SCRYPT });
    expect(file.fingerprint).toBe(master.fingerprint);
    const back = parseKeyFile(serializeKeyFile(file), keyFileName(file.id));
    expect((await opens(back))?.equals(master)).toBe(true);
    expect(await opens(back, 'Correct horse battery staple')).toBeNull();
    // The file says nothing of the master or the passphrase.
    const text = serializeKeyFile(file).toString();
    expect(text).not.toContain(master.reveal().toString('base64'));
    expect(text).not.toContain(PASS);
  });

  it('uses the default parameters (N = 2^17, r = 8, p = 1), which Node refuses without maxmem', async () => {
    expect(DEFAULT_SCRYPT).toEqual({ N: 2 ** 17, r: 8, p: 1 });
    const salt = crypto.randomBytes(32);
    const key = await scryptKey(PASS, salt, DEFAULT_SCRYPT);
    expect(key.length).toBe(32);
    await expect(
      new Promise((resolve, reject) =>
        crypto.scrypt(PASS, salt, 32, { N: 2 ** 15, r: 8, p: 1 }, (e, k) => (e ? reject(e) : resolve(k))),
      ),
    ).rejects.toThrow(/memory limit/);
  }, 120_000);

  it('treats the passphrase as Unicode NFC, so é typed either way is the same passphrase', async () => {
    const composed = 'caf\u00e9 au lait 42';
    const { file } = await makeKeyFile({
      storeId: 'store-1',
      kind: 'passphrase',
      label: 'x',
      master,
      secret: { passphrase: composed },
      scrypt: FAST_SCRYPT,
    });
    expect((await opens(file, 'cafe\u0301 au lait 42'))?.equals(master)).toBe(true);
  });

  it('does not open when a bound field is changed or a wrapped bit is flipped', async () => {
    const file = await passphraseFile();
    const edits: [string, (f: KeyFile) => void][] = [
      ['storeId', (f) => (f.storeId = 'store-2')],
      ['label', (f) => (f.label = 'Recovery key')],
      ['created', (f) => (f.created = '2020-01-01T00:00:00.000Z')],
      ['kind', (f) => (f.kind = 'recovery')],
      ['salt', (f) => f.kdf.name === 'scrypt' && (f.kdf.salt = crypto.randomBytes(32).toString('base64'))],
      ['N', (f) => f.kdf.name === 'scrypt' && (f.kdf.N = 2 ** 11)],
      ['nonce', (f) => (f.wrap.nonce = crypto.randomBytes(12).toString('base64'))],
    ];
    for (const [what, edit] of edits) {
      const f: KeyFile = structuredClone(file);
      edit(f);
      const kek = await keyEncryptionKey({ ...f, kind: 'passphrase', kdf: f.kdf }, { passphrase: PASS });
      expect(kek && unwrapMaster(f, kek), what).toBeNull();
    }
    const data = Buffer.from(file.wrap.data, 'base64');
    for (let bit = 0; bit < data.length * 8; bit += 7) {
      const bad = Buffer.from(data);
      bad[bit >> 3]! ^= 1 << (bit & 7);
      expect(await opens({ ...file, wrap: { ...file.wrap, data: bad.toString('base64') } }), `bit ${bit}`).toBeNull();
    }
  });

  it('calls a file another fingerprint opens to broken, not a master', async () => {
    const file = await passphraseFile();
    // Only someone with the KEK can make this; the fingerprint is bound into the wrap as well.
    const forged = { ...file, fingerprint: MasterSecret.generate().fingerprint };
    expect(await opens(forged)).toBeNull();
  });

  it('refuses truncated, empty, oversized and hostile files with a clear reason', async () => {
    const file = await passphraseFile();
    const name = keyFileName(file.id);
    const bytes = serializeKeyFile(file);
    const rand = seededRandom(5);
    const cuts = [0, 1, 2, bytes.length - 2, ...Array.from({ length: 40 }, () => Math.floor(rand() * bytes.length))];
    for (const cut of cuts) {
      expect(() => parseKeyFile(bytes.subarray(0, cut), name), `cut at ${cut}`).toThrow(KeyFileProblem);
    }
    expect(() => parseKeyFile(Buffer.alloc(0), name)).toThrow(/is empty/);
    expect(() => parseKeyFile(bytes.subarray(0, 100), name)).toThrow(/not complete JSON/);
    expect(() => parseKeyFile(Buffer.alloc(70_000, 0x20), name)).toThrow(/too large/);
    const hostile: [string, (f: Record<string, unknown> & KeyFile) => void, RegExp][] = [
      ['memory bomb', (f) => f.kdf.name === 'scrypt' && (f.kdf.N = 2 ** 22), /512 MiB/],
      ['not a power of two', (f) => f.kdf.name === 'scrypt' && (f.kdf.N = 100_000), /power of two/],
      ['too many passes', (f) => f.kdf.name === 'scrypt' && (f.kdf.p = 64), /p must be/],
      ['wrong kdf for kind', (f) => (f.kind = 'recovery'), /recovery key uses hkdf/],
      ['short wrap', (f) => (f.wrap.data = Buffer.alloc(20).toString('base64')), /48 bytes/],
      ['4-byte tag', (f) => (f.wrap.data = Buffer.alloc(36).toString('base64')), /48 bytes/],
      ['version', (f) => (f.version = 2 as 1), /version/],
      ['store id', (f) => (f.storeId = '../../etc'), /store id/],
      ['control chars', (f) => (f.label = 'a\u0007b'), /control/],
      ['date', (f) => (f.created = 'yesterday'), /created/],
    ];
    for (const [what, edit, reason] of hostile) {
      const f = structuredClone(file) as Record<string, unknown> & KeyFile;
      edit(f);
      expect(() => parseKeyFile(Buffer.from(JSON.stringify(f)), name), what).toThrow(reason);
    }
    expect(() => parseKeyFile(bytes, keyFileName('f'.repeat(32)))).toThrow(/holds key/);
    expect(() => parseKeyFile(Buffer.from('[1,2]'), name)).toThrow(KeyFileProblem);
    expect(() => parseKeyFile(Buffer.from('null'), name)).toThrow(KeyFileProblem);
  });

  it('wraps a recovery key with HKDF and its own salt, and a passphrase never opens it', async () => {
    const recoveryKey = RecoveryKey.generate();
    const { file } = await makeKeyFile({
      storeId: 'store-1',
      kind: 'recovery',
      label: 'Recovery key',
      master,
      secret: { recoveryKey },
    });
    expect(file.kdf.name).toBe('hkdf-sha256');
    const kek = await keyEncryptionKey(file, { recoveryKey: RecoveryKey.parse(recoveryKey.format()) });
    expect(unwrapMaster(file, kek!)?.equals(master)).toBe(true);
    expect(await keyEncryptionKey(file, { passphrase: PASS })).toBeNull();
    const otherKek = await keyEncryptionKey(file, { recoveryKey: RecoveryKey.generate() });
    expect(unwrapMaster(file, otherKek!)).toBeNull();
  });
});
