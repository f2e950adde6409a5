import { describe, expect, it } from 'vitest';
import { keyOf, listingPlan, nameOfKey } from '../../src-main/remotes/layout';

const pack = 'ab'.repeat(32);

describe('store layout', () => {
  it('puts each kind where docs/store-format.md and docs/continuous-format.md say', () => {
    expect(keyOf({ kind: 'pack', name: pack })).toBe(`packs/ab/${pack}.pack`);
    expect(keyOf({ kind: 'index', name: pack })).toBe(`index/${pack}.idx`);
    expect(keyOf({ kind: 'manifest', name: 'p1' })).toBe('manifests/p1.json');
    expect(keyOf({ kind: 'manifest', name: 'dev1/p1' })).toBe('manifests/dev1/p1.json');
    expect(keyOf({ kind: 'dictionary', name: pack })).toBe(`dictionaries/${pack}.dict`);
    expect(keyOf({ kind: 'generation', name: 'g1' })).toBe('continuous/g1/generation.json');
    expect(keyOf({ kind: 'segment', name: 'g1/000000000001-000000000002' })).toBe(
      'continuous/g1/000000000001-000000000002.seg',
    );
    expect(keyOf({ kind: 'lock', name: 'h-1-r' })).toBe('locks/h-1-r.lock');
    expect(keyOf({ kind: 'device', name: 'd1' })).toBe('devices/d1.json');
  });

  it('maps keys back to names of their own kind only', () => {
    for (const h of [
      { kind: 'pack', name: pack },
      { kind: 'manifest', name: 'dev1/p1' },
      { kind: 'generation', name: 'g1' },
      { kind: 'segment', name: 'g1/000000000001-000000000002' },
    ] as const) {
      expect(nameOfKey(h.kind, keyOf(h))).toBe(h.name);
    }
    expect(nameOfKey('generation', 'continuous/g1/000000000001-000000000002.seg')).toBeNull();
    expect(nameOfKey('segment', 'continuous/g1/generation.json')).toBeNull();
    expect(nameOfKey('pack', `packs/cd/${pack}.pack`)).toBeNull();
    expect(nameOfKey('manifest', 'manifests/.p1.json.abc.tmp')).toBeNull();
    expect(nameOfKey('manifest', 'manifests/p1.sync-conflict-20261201-120000-ABC.json')).toBeNull();
  });

  it("lists one device's or one generation's files from their own folder", () => {
    expect(listingPlan('manifest', 'dev1/')).toEqual({ folder: 'manifests/dev1/', keyPrefix: 'manifests/dev1/', depth: 0 });
    expect(listingPlan('manifest')).toEqual({ folder: 'manifests/', keyPrefix: 'manifests/', depth: 1 });
    expect(listingPlan('pack', 'abc')).toEqual({ folder: 'packs/ab/', keyPrefix: 'packs/ab/abc', depth: 0 });
    expect(listingPlan('segment', 'g1/')).toMatchObject({ folder: 'continuous/g1/', depth: 1 });
    expect(() => listingPlan('manifest', '../x')).toThrow();
  });
});
