import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DamagedFileError,
  FileSealer,
  MasterSecret,
  isSealedFile,
  sealedFileFingerprint,
  type SealTally,
} from '../../src-main/crypto';
import { seededBytes, seededRandom } from '../helpers/seeded-random';

const keys = new MasterSecret(seededBytes(11, 32)).keys();
const manifestA = { kind: 'manifest', name: '20261201T120000000Z-auto-1a2b3c.json' };
const manifestB = { kind: 'manifest', name: '20261201T121500000Z-auto-4d5e6f.json' };
const json = (o: unknown) => Buffer.from(JSON.stringify(o));

describe('sealed files (envelopes)', () => {
  it('lays out magic, version, algorithm, fingerprint, nonce, ciphertext and tag as documented', () => {
    const s = new FileSealer(keys);
    const plain = json({ format: 2, id: 'x', meta: { label: 'Before the trip' } });
    const sealed = s.seal(manifestA, plain);
    expect(sealed.subarray(0, 4).toString('latin1')).toBe('STSF');
    expect([sealed[4], sealed[5], sealed[6], sealed[7]]).toEqual([1, 1, 0, 0]);
    expect(sealed.subarray(8, 16).toString('hex')).toBe(keys.fingerprint);
    expect(sealed.length).toBe(plain.length + 44);
    expect(isSealedFile(sealed)).toBe(true);
    expect(isSealedFile(plain)).toBe(false);
    expect(sealedFileFingerprint(sealed)).toBe(keys.fingerprint);
    // A reader with node:crypto alone: AAD = the 16-byte head, then JSON.stringify([kind, name]).
    const d = crypto.createDecipheriv('aes-256-gcm', keys.fileKey, sealed.subarray(16, 28), { authTagLength: 16 });
    d.setAAD(Buffer.concat([sealed.subarray(0, 16), Buffer.from(JSON.stringify([manifestA.kind, manifestA.name]))]));
    d.setAuthTag(sealed.subarray(sealed.length - 16));
    expect(Buffer.concat([d.update(sealed.subarray(28, sealed.length - 16)), d.final()])).toEqual(plain);
    expect(s.open(manifestA, sealed)).toEqual(plain);
    expect(plain.toString()).toContain('Before the trip');
    expect(sealed.toString('latin1')).not.toContain('Before the trip');
  });

  it('detects two manifests swapped, and a file presented as another kind', () => {
    const s = new FileSealer(keys);
    const a = s.seal(manifestA, json({ id: 'a' }));
    const b = s.seal(manifestB, json({ id: 'b' }));
    expect(() => s.open(manifestA, b)).toThrow(DamagedFileError);
    expect(() => s.open(manifestB, a)).toThrow(DamagedFileError);
    expect(() => s.open({ kind: 'index', name: manifestA.name }, a)).toThrow(DamagedFileError);
    // The context is unambiguous: these two would collide if kind and name were simply joined.
    const odd1 = s.seal({ kind: 'seg', name: 'ment/x' }, json(1));
    expect(() => s.open({ kind: 'segment', name: '/x' }, odd1)).toThrow(DamagedFileError);
  });

  it('reports any flipped bit, a cut file and another master as damage naming the file', () => {
    const s = new FileSealer(keys);
    const plain = seededBytes(12, 3000);
    const sealed = s.seal(manifestA, plain);
    const rand = seededRandom(12);
    const positions = [...Array.from({ length: 44 }, (_, i) => i), sealed.length - 1];
    for (let n = 0; n < 150; n++) positions.push(Math.floor(rand() * sealed.length));
    for (const at of positions) {
      const bad = Buffer.from(sealed);
      bad[at]! ^= 1 << (at % 8);
      expect(() => s.open(manifestA, bad), `byte ${at}`).toThrow(DamagedFileError);
    }
    for (const cut of [0, 10, 43, 44, sealed.length - 16, sealed.length - 1]) {
      expect(() => s.open(manifestA, sealed.subarray(0, cut)), `cut at ${cut}`).toThrow(DamagedFileError);
    }
    const other = new FileSealer(MasterSecret.generate().keys());
    try {
      other.open(manifestA, sealed);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DamagedFileError);
      expect((e as Error).message).toContain(manifestA.name);
      expect((e as Error).message).toContain(keys.fingerprint);
      expect((e as DamagedFileError).code).toBe('store_damaged');
    }
  });

  it('seals an empty file, counts each seal, and never repeats a nonce', () => {
    let taken = 0;
    const tally: SealTally = { take: (n) => void (taken += n) };
    const s = new FileSealer(keys, { tally });
    const empty = s.seal(manifestA, Buffer.alloc(0));
    expect(s.open(manifestA, empty).length).toBe(0);
    const nonces = new Set<string>();
    for (let i = 0; i < 500; i++) nonces.add(s.seal(manifestA, json(i)).subarray(16, 28).toString('hex'));
    expect(nonces.size).toBe(500);
    expect(taken).toBe(501);
  });
});
