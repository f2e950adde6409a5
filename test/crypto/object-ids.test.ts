import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IdHasher, objectId } from '../../src-main/crypto';
import { seededBytes } from '../helpers/seeded-random';

describe('HMAC object ids', () => {
  const key = seededBytes(1, 32);

  it('is HMAC-SHA256 of the content, one at a time or through the hasher, at every size', () => {
    const hasher = new IdHasher(key);
    for (const size of [0, 1, 31, 55, 56, 63, 64, 65, 4095, 4096, 4097, 8192, 65_536 + 7]) {
      const content = seededBytes(size + 2, size);
      const expected = crypto.createHmac('sha256', key).update(content).digest();
      expect(objectId(key, content), `size ${size}`).toEqual(expected);
      expect(hasher.id(content), `size ${size}`).toEqual(expected);
    }
    expect(hasher.id(Buffer.from('abc'))).toEqual(crypto.createHmac('sha256', key).update('abc').digest());
  });

  it("differs from the plain SHA-256 id and from another key's id", () => {
    const page = seededBytes(9, 4096);
    const id = new IdHasher(key).id(page);
    expect(id).not.toEqual(crypto.createHash('sha256').update(page).digest());
    expect(new IdHasher(seededBytes(2, 32)).id(page)).not.toEqual(id);
  });

  it('hashes a batch in order', () => {
    const pages = [0, 1, 2].map((i) => seededBytes(40 + i, 4096));
    expect(new IdHasher(key).ids(pages)).toEqual(pages.map((p) => objectId(key, p)));
  });
});
