import crypto from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { KEY_LABELS, MasterSecret, checkConfigTag, configTag } from '../../src-main/crypto';

const MASTER = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
/** The labels exactly as docs/encryption-format.md gives them: a reader is written from these. */
const DOCUMENTED = {
  data: 'strata/v1 data key aes-256-gcm',
  objectId: 'strata/v1 object id key hmac-sha256',
  file: 'strata/v1 file key aes-256-gcm',
  config: 'strata/v1 config key hmac-sha256',
  fingerprint: 'strata/v1 master fingerprint',
  names: 'strata/v1 name key hmac-sha256',
};
const hkdf = (label: string, n: number) =>
  Buffer.from(crypto.hkdfSync('sha256', MASTER, Buffer.alloc(0), Buffer.from(label, 'utf8'), n));

describe('the key hierarchy', () => {
  it('derives each key with its documented HKDF-SHA256 label, empty salt', () => {
    expect(KEY_LABELS).toEqual(DOCUMENTED);
    const keys = new MasterSecret(MASTER).keys();
    expect(keys.dataKey).toEqual(hkdf(DOCUMENTED.data, 32));
    expect(keys.idKey).toEqual(hkdf(DOCUMENTED.objectId, 32));
    expect(keys.fileKey).toEqual(hkdf(DOCUMENTED.file, 32));
    expect(keys.configKey).toEqual(hkdf(DOCUMENTED.config, 32));
    expect(keys.fingerprint).toBe(hkdf(DOCUMENTED.fingerprint, 8).toString('hex'));
    // Pinned, so a change to the derivation itself (not only a label) cannot pass unnoticed.
    expect(keys.fingerprint).toBe('1f6fa4cbd13ccaad');
    expect(keys.dataKey.toString('hex')).toBe('2c669247b97b6e5eae3921169130c47264727edc090cd27724629e0bb0554347');
  });

  it('gives every job its own key', () => {
    const k = MasterSecret.generate().keys();
    const all = [k.dataKey, k.idKey, k.fileKey, k.configKey].map((b) => b.toString('hex'));
    expect(new Set(all).size).toBe(4);
  });

  it('never shows key bytes in JSON or console output', () => {
    const master = new MasterSecret(MASTER);
    const keys = master.keys();
    const secrets = [MASTER, keys.dataKey, keys.idKey, keys.fileKey, keys.configKey].flatMap((b) => [
      b.toString('hex'),
      b.toString('base64'),
    ]);
    const shown = [
      JSON.stringify({ master, keys }),
      inspect(master, { depth: 5 }),
      inspect({ keys }, { depth: 5, showHidden: true }),
      String(master),
    ].join('\n');
    for (const s of secrets) expect(shown).not.toContain(s);
    expect(shown).toContain(master.fingerprint);
  });

  it('gives workers the data and id keys only', () => {
    const keys = new MasterSecret(MASTER).keys();
    const w = keys.forWorker();
    expect(Object.keys(w).sort()).toEqual(['dataKey', 'fingerprint', 'idKey']);
    expect(Buffer.from(w.dataKey)).toEqual(keys.dataKey);
    // A structured clone (what postMessage does) keeps them usable.
    const cloned = structuredClone(w);
    expect(Buffer.from(cloned.idKey)).toEqual(keys.idKey);
  });

  it('tags the plain config so a changed byte or another master is caught', () => {
    const keys = new MasterSecret(MASTER).keys();
    const config = Buffer.from('{"encryption":{"fingerprint":"1f6fa4cbd13ccaad"},"storeId":"s1"}');
    const tag = configTag(keys, config);
    expect(checkConfigTag(keys, config, tag)).toBe(true);
    const changed = Buffer.from(config);
    changed[5]! ^= 1;
    expect(checkConfigTag(keys, changed, tag)).toBe(false);
    expect(checkConfigTag(MasterSecret.generate().keys(), config, tag)).toBe(false);
    expect(checkConfigTag(keys, config, 'zz')).toBe(false);
  });
});
