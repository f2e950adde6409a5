import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  DamagedObjectError,
  IdHasher,
  MasterSecret,
  NoncePool,
  ObjectSealer,
  isSealedRecord,
  type SealTally,
} from '../../src-main/crypto';
import { seededBytes, seededRandom } from '../helpers/seeded-random';
import { plainRecord } from './helpers';

const keys = new MasterSecret(seededBytes(7, 32)).keys();
const ids = new IdHasher(keys.idKey);

function page(seed: number): { content: Buffer; id: Buffer; record: Buffer } {
  const content = seededBytes(seed, 4096);
  content.fill(seed & 0xff, 0, 2500); // compressible, like a real page
  const deflated = zlib.deflateRawSync(content, { level: 1 });
  return { content, id: ids.id(content), record: plainRecord(0, 1, content.length, deflated) };
}

function expectDamaged(fn: () => unknown): void {
  expect(fn).toThrow(DamagedObjectError);
}

describe('sealed object records', () => {
  it('keeps the header, sets byte 5 to 1 and lays the payload out as nonce, ciphertext, tag', () => {
    const s = new ObjectSealer(keys.dataKey);
    const p = page(1);
    const sealed = s.seal(p.record, p.id);
    expect(isSealedRecord(sealed)).toBe(true);
    expect(isSealedRecord(p.record)).toBe(false);
    expect(sealed.subarray(0, 5)).toEqual(p.record.subarray(0, 5));
    expect(sealed[5]).toBe(1);
    expect(sealed.readUInt32LE(8)).toBe(4096);
    expect(sealed.readUInt32LE(12)).toBe(p.record.length - 16 + 28);
    expect(sealed.length).toBe(p.record.length + 28);
    // Decrypting by the documented layout alone, with node:crypto: header + id as associated data.
    const d = crypto.createDecipheriv('aes-256-gcm', keys.dataKey, sealed.subarray(16, 28), { authTagLength: 16 });
    d.setAAD(Buffer.concat([sealed.subarray(0, 16), p.id]));
    d.setAuthTag(sealed.subarray(sealed.length - 16));
    const payload = Buffer.concat([d.update(sealed.subarray(28, sealed.length - 16)), d.final()]);
    expect(payload).toEqual(p.record.subarray(16));
    // And the sealer gives back the codec's record, byte for byte.
    expect(s.open(sealed, p.id)).toEqual(p.record);
    expect(zlib.inflateRawSync(s.open(sealed, p.id).subarray(16))).toEqual(p.content);
  });

  it('seals the same record twice with different nonces', () => {
    const s = new ObjectSealer(keys.dataKey);
    const p = page(2);
    const a = s.seal(p.record, p.id);
    const b = s.seal(p.record, p.id);
    expect(a.subarray(16, 28)).not.toEqual(b.subarray(16, 28));
    expect(s.open(a, p.id)).toEqual(s.open(b, p.id));
  });

  it('reports a flipped bit anywhere in the record as damage of that object, never a crash', () => {
    const s = new ObjectSealer(keys.dataKey);
    const small = plainRecord(4, 0, 40, seededBytes(3, 40));
    const id = ids.id(seededBytes(3, 40));
    const sealed = s.seal(small, id);
    for (let i = 0; i < sealed.length; i++) {
      for (const bit of [0, 7]) {
        const bad = Buffer.from(sealed);
        bad[i]! ^= 1 << bit;
        expectDamaged(() => s.open(bad, id));
      }
    }
    // Seeded positions in a full page's record.
    const p = page(4);
    const big = s.seal(p.record, p.id);
    const rand = seededRandom(44);
    for (let n = 0; n < 200; n++) {
      const bad = Buffer.from(big);
      bad[Math.floor(rand() * bad.length)]! ^= 1 << Math.floor(rand() * 8);
      expectDamaged(() => s.open(bad, p.id));
    }
  });

  it('detects payloads swapped between records, and a record presented under another id', () => {
    const s = new ObjectSealer(keys.dataKey);
    const a = page(5);
    const b = page(6);
    const sa = s.seal(a.record, a.id);
    const sb = s.seal(b.record, b.id);
    expectDamaged(() => s.open(sa, b.id));
    // Another object's sealed payload (of the same length, another codec) under a's header.
    const other = plainRecord(0, 3, 4096, Buffer.alloc(a.record.length - 16, 1));
    const sc = s.seal(other, b.id);
    const swapped = Buffer.concat([sa.subarray(0, 16), sc.subarray(16)]);
    expect(s.open(sc, b.id)).toEqual(other);
    expectDamaged(() => s.open(swapped, a.id));
    expectDamaged(() => s.open(swapped, b.id));
    // A header edited to another kind or codec no longer matches its associated data.
    for (const at of [3, 4, 8]) {
      const edited = Buffer.from(sb);
      edited[at]! ^= 2;
      expectDamaged(() => s.open(edited, b.id));
    }
  });

  it('refuses a record whose tag was cut to 4 bytes (Node alone accepts such a tag without authTagLength)', () => {
    const s = new ObjectSealer(keys.dataKey);
    const p = page(7);
    const sealed = s.seal(p.record, p.id);
    const cut = Buffer.from(sealed.subarray(0, sealed.length - 12));
    cut.writeUInt32LE(cut.length - 16, 12);
    expectDamaged(() => s.open(cut, p.id));
    // The hazard, shown with the genuine record's first 4 tag bytes: without authTagLength, Node
    // takes the short tag as valid. The record layout always reads the last 16 bytes as the tag
    // and the sealer passes authTagLength: 16 as well, so neither alone lets a short tag through.
    const d = crypto.createDecipheriv('aes-256-gcm', keys.dataKey, sealed.subarray(16, 28));
    d.setAAD(Buffer.concat([sealed.subarray(0, 16), p.id]));
    d.setAuthTag(sealed.subarray(sealed.length - 16, sealed.length - 12));
    d.update(sealed.subarray(28, sealed.length - 16));
    expect(() => d.final()).not.toThrow();
  });

  it('calls short, plain, cut or lengthened records damaged', () => {
    const s = new ObjectSealer(keys.dataKey);
    const p = page(8);
    const sealed = s.seal(p.record, p.id);
    expectDamaged(() => s.open(Buffer.alloc(0), p.id));
    expectDamaged(() => s.open(sealed.subarray(0, 15), p.id));
    expectDamaged(() => s.open(p.record, p.id));
    expectDamaged(() => s.open(sealed.subarray(0, 40), p.id));
    expectDamaged(() => s.open(Buffer.concat([sealed, Buffer.alloc(1)]), p.id));
    const tiny = Buffer.from(sealed.subarray(0, 16 + 27));
    tiny.writeUInt32LE(27, 12);
    expectDamaged(() => s.open(tiny, p.id));
    expectDamaged(() => new ObjectSealer(MasterSecret.generate().keys().dataKey).open(sealed, p.id));
  });

  it('refuses to seal what is not a plain record (a caller mistake, not damage)', () => {
    const s = new ObjectSealer(keys.dataKey);
    const p = page(9);
    expect(() => s.seal(p.record, p.id.subarray(0, 31))).toThrow(TypeError);
    expect(() => s.seal(s.seal(p.record, p.id), p.id)).toThrow(TypeError);
    expect(() => s.seal(p.record.subarray(0, 20), p.id)).toThrow(TypeError);
    expect(() => s.seal(Buffer.alloc(20), p.id)).toThrow(TypeError);
  });

  it('seals a batch into one block that opens like single records, and opens a batch with damage in place', () => {
    const taken: number[] = [];
    const tally: SealTally = { take: (n) => void taken.push(n) };
    const s = new ObjectSealer(keys.dataKey, { tally });
    const pages = [10, 11, 12, 13].map(page);
    const batch = s.sealBatch(
      pages.map((p) => p.record),
      pages.map((p) => p.id),
    );
    expect(taken).toEqual([4]);
    expect(batch.records.reduce((n, r) => n + r.length, 0)).toBe(batch.block.length);
    expect(Buffer.concat(batch.records)).toEqual(batch.block);
    const damaged = batch.records.map((r) => Buffer.from(r));
    damaged[2]![40]! ^= 1;
    const opened = s.openBatch(
      damaged,
      pages.map((p) => p.id),
    );
    expect(opened[2]).toBeInstanceOf(DamagedObjectError);
    for (const i of [0, 1, 3]) expect(opened[i]).toEqual(pages[i]!.record);
    s.seal(pages[0]!.record, pages[0]!.id);
    expect(taken).toEqual([4, 1]);
  });

  it('draws nonces from a pool refilled in chunks, never reusing one', () => {
    let refills = 0;
    const pool = new NoncePool(256, (buf) => {
      refills++;
      crypto.randomFillSync(buf);
    });
    const s = new ObjectSealer(keys.dataKey, { nonces: pool });
    const p = plainRecord(4, 0, 1, Buffer.from([1]));
    const id = ids.id(Buffer.from([1]));
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) seen.add(s.seal(p, id).subarray(16, 28).toString('hex'));
    expect(seen.size).toBe(2000);
    expect(refills).toBe(Math.ceil(2000 / 256));
  });
});
