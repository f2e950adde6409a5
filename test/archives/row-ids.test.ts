import { describe, expect, it } from 'vitest';
import { validate, version } from 'uuid';
import { RowIdSource } from '../../src-main/archives/row-ids';

describe('pooled UUIDv7 ids for bulk imports', () => {
  it('are valid version-7 UUIDs that rise strictly, across pool refills and within one millisecond', () => {
    const source = new RowIdSource();
    const ids = Array.from({ length: 5000 }, () => source.next());
    for (const id of ids) {
      expect(validate(id), id).toBe(true);
      expect(version(id)).toBe(7);
    }
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!, `${ids[i - 1]} < ${ids[i]}`).toBe(true);
    // The last 40 bits come from the random pool: a reused pool slice would repeat them.
    expect(new Set(ids.map((id) => id.slice(26))).size).toBe(ids.length);
  });
});
