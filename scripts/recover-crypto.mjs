// Decrypting an encrypted Strata store with nothing but Node: key files, the recovery key,
// encrypted object records and sealed files. Written from docs/encryption-format.md alone; it
// shares no code with the app on purpose (like recover.mjs), so a bug in the app's crypto cannot
// hide here too. recover.mjs will import it once the store writes encrypted stores (the store
// integration of issue 18); test/crypto/recover-crypto.test.ts proves it opens what the app seals.
//
//   import { unlockStore, deriveKeys, openObjectRecord, openSealedFile } from './recover-crypto.mjs';
//
// Every function that opens something returns null when it does not authenticate (a wrong secret,
// a changed byte, the wrong id or name): the caller treats that thing as damaged.
import crypto from 'node:crypto';

const hkdf = (ikm, salt, info, length) =>
  Buffer.from(crypto.hkdfSync('sha256', ikm, salt, Buffer.from(info, 'utf8'), length));

/** The keys of a master secret (32 bytes), and its fingerprint as hex. */
export function deriveKeys(master) {
  const none = Buffer.alloc(0);
  return {
    dataKey: hkdf(master, none, 'strata/v1 data key aes-256-gcm', 32),
    idKey: hkdf(master, none, 'strata/v1 object id key hmac-sha256', 32),
    fileKey: hkdf(master, none, 'strata/v1 file key aes-256-gcm', 32),
    configKey: hkdf(master, none, 'strata/v1 config key hmac-sha256', 32),
    fingerprint: hkdf(master, none, 'strata/v1 master fingerprint', 8).toString('hex'),
  };
}

/** An object's id in an encrypted store. */
export function objectId(idKey, content) {
  return crypto.createHmac('sha256', idKey).update(content).digest();
}

function gcmOpen(key, nonce, ciphertext, tag, aad) {
  try {
    const d = crypto.createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
    d.setAAD(aad);
    d.setAuthTag(tag);
    return Buffer.concat([d.update(ciphertext), d.final()]);
  } catch {
    return null;
  }
}

// ---- Recovery key ------------------------------------------------------------------------------

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function gfMul(a, b) {
  let p = 0;
  for (let i = 0; i < 5; i++) {
    if (b & 1) p ^= a;
    b >>= 1;
    a <<= 1;
    if (a & 32) a ^= 0b100101;
  }
  return p;
}
const alpha = (k) => {
  let v = 1;
  for (let i = 0; i < k; i++) v = gfMul(v, 2);
  return v;
};

/** The 32 bytes of a recovery key as typed; throws an Error naming the group with a typo. */
export function parseRecoveryKey(text) {
  const chars = String(text)
    .replace(/[\s\-_\u2010-\u2015]/g, '')
    .toUpperCase()
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (chars.length !== 65) throw new Error(`a recovery key has 65 characters; this one has ${chars.length}`);
  const values = [];
  for (let g = 0; g < 13; g++) {
    const v = [...chars.slice(g * 5, g * 5 + 5)].map((c) => ALPHABET.indexOf(c));
    if (v.includes(-1)) throw new Error(`group ${g + 1} has a character recovery keys do not use`);
    let check = alpha(5 + g);
    for (let j = 0; j < 4; j++) check ^= gfMul(v[j], alpha(j + 1));
    if (check !== v[4]) throw new Error(`group ${g + 1} has a typo`);
    values.push(...v.slice(0, 4));
  }
  let bits = 0n;
  for (const v of values) bits = (bits << 5n) | BigInt(v);
  const checkBits = Number(bits & 0xfn);
  const bytes = Buffer.from((bits >> 4n).toString(16).padStart(64, '0'), 'hex');
  if (crypto.createHash('sha256').update(bytes).digest()[0] >> 4 !== checkBits) {
    throw new Error('the recovery key does not add up; compare it with your copy again');
  }
  return bytes;
}

// ---- Key files ---------------------------------------------------------------------------------

const b64 = (s) => Buffer.from(s, 'base64');

/**
 * The master inside one key file (parsed JSON, or its text), for `storeId`, given
 * `{ passphrase }` or `{ recoveryKey }` (the text as typed, or its 32 bytes). Null when the key
 * file is not this store's, is of the other kind, or does not open.
 */
export async function unlockKeyFile(keyFile, storeId, secret) {
  const f = typeof keyFile === 'string' || Buffer.isBuffer(keyFile) ? JSON.parse(String(keyFile)) : keyFile;
  if (f.format !== 'strata-key' || f.version !== 1 || f.storeId !== storeId) return null;
  let kek;
  if (f.kind === 'passphrase' && f.kdf?.name === 'scrypt' && secret.passphrase !== undefined) {
    const { N, r, p } = f.kdf;
    const memory = 128 * r * (N + 2) + 128 * r * p;
    if (!(N >= 1024 && (N & (N - 1)) === 0 && r >= 1 && r <= 32 && p >= 1 && p <= 4 && memory <= 512 * 2 ** 20)) {
      return null;
    }
    const pass = Buffer.from(String(secret.passphrase).normalize('NFC'), 'utf8');
    kek = await new Promise((resolve, reject) =>
      crypto.scrypt(pass, b64(f.kdf.salt), 32, { N, r, p, maxmem: memory + 2 ** 20 }, (e, k) =>
        e ? reject(e) : resolve(k),
      ),
    );
  } else if (f.kind === 'recovery' && f.kdf?.name === 'hkdf-sha256' && secret.recoveryKey !== undefined) {
    const key = Buffer.isBuffer(secret.recoveryKey) ? secret.recoveryKey : parseRecoveryKey(secret.recoveryKey);
    kek = hkdf(key, b64(f.kdf.salt), 'strata/v1 recovery key kek', 32);
  } else return null;
  const data = b64(f.wrap.data);
  if (data.length !== 48) return null;
  const aad = Buffer.from(
    JSON.stringify(['strata-key', 1, f.storeId, f.id, f.kind, f.created, f.label, f.fingerprint]),
    'utf8',
  );
  const master = gcmOpen(kek, b64(f.wrap.nonce), data.subarray(0, 32), data.subarray(32), aad);
  if (!master || deriveKeys(master).fingerprint !== f.fingerprint) return null;
  return master;
}

/** The master from the first of `keyFiles` (texts or parsed JSON) that opens, or null. */
export async function unlockStore(keyFiles, storeId, secret) {
  for (const k of keyFiles) {
    let master = null;
    try {
      master = await unlockKeyFile(k, storeId, secret);
    } catch {
      // an unreadable key file: try the next
    }
    if (master) return master;
  }
  return null;
}

// ---- Objects and sealed files ------------------------------------------------------------------

/**
 * The plain record (header with byte 5 = 0 and the plain stored length, then the codec's
 * payload) of an encrypted record stored under `id`, or null when it does not open.
 */
export function openObjectRecord(dataKey, record, id) {
  if (record.length < 16 + 28 || record[0] !== 0x53 || record[1] !== 0x4f || record[2] !== 1 || record[5] !== 1) {
    return null;
  }
  const stored = record.readUInt32LE(12);
  if (stored !== record.length - 16) return null;
  const header = record.subarray(0, 16);
  const payload = gcmOpen(
    dataKey,
    record.subarray(16, 28),
    record.subarray(28, record.length - 16),
    record.subarray(record.length - 16),
    Buffer.concat([header, id]),
  );
  if (!payload) return null;
  const plain = Buffer.concat([header, payload]);
  plain[5] = 0;
  plain.writeUInt32LE(payload.length, 12);
  return plain;
}

/** The plain bytes of a sealed file of storage kind `kind` named `name`, or null. */
export function openSealedFile(keys, kind, name, bytes) {
  if (bytes.length < 44 || bytes.subarray(0, 4).toString('latin1') !== 'STSF') return null;
  if (bytes[4] !== 1 || bytes[5] !== 1 || bytes[6] !== 0 || bytes[7] !== 0) return null;
  if (bytes.subarray(8, 16).toString('hex') !== keys.fingerprint) return null;
  const aad = Buffer.concat([bytes.subarray(0, 16), Buffer.from(JSON.stringify([kind, name]), 'utf8')]);
  return gcmOpen(
    keys.fileKey,
    bytes.subarray(16, 28),
    bytes.subarray(28, bytes.length - 16),
    bytes.subarray(bytes.length - 16),
    aad,
  );
}

/** Whether `bytes` are a sealed file (a plain store's files are not). */
export const isSealedFile = (bytes) => bytes.length >= 44 && bytes.subarray(0, 4).toString('latin1') === 'STSF';
