import { describe, expect, it } from 'vitest';
import { keyOf, listingPlan, nameOfKey } from '../../src-main/remotes/layout';

const pack = 'ab'.repeat(32);

describe('remote layout (the local store layout, listed by prefix)', () => {
  it('maps keys back to names of their own kind only', () => {
    for (const h of [
      { kind: 'pack', name: pack },
      { kind: 'index', name: pack },
      { kind: 'manifest', name: 'p1' },
      { kind: 'manifest', name: 'dev1/p1' },
      { kind: 'generation', name: 'g1' },
      { kind: 'segment', name: 'g1/000000000001-000000000002.seg' },
      { kind: 'state', name: 'state.json' },
      { kind: 'config', name: 'config' },
      { kind: 'key', name: 'k1' },
    ] as const) {
      expect(nameOfKey(h.kind, keyOf(h)), `${h.kind} ${h.name}`).toBe(h.name);
    }
    expect(keyOf({ kind: 'manifest', name: 'dev1/p1' })).toBe('manifests/dev1/p1.json');
    expect(nameOfKey('generation', 'continuous/g1/000000000001-000000000002.seg')).toBeNull();
    expect(nameOfKey('segment', 'continuous/g1/generation.json')).toBeNull();
    expect(nameOfKey('state', 'continuous/g1/generation.json')).toBeNull();
    expect(nameOfKey('pack', `packs/cd/${pack}.pack`)).toBeNull();
    expect(nameOfKey('manifest', 'manifests/.p1.json.abc.tmp')).toBeNull();
    expect(nameOfKey('manifest', 'manifests/p1.sync-conflict-20261201-120000-ABC.json')).toBeNull();
    expect(nameOfKey('config', 'strata-mirror.marker')).toBeNull();
  });

  it("lists one device's manifests or one generation's segments from their own folder", () => {
    expect(listingPlan('manifest', 'dev1/')).toEqual({
      folder: 'manifests/dev1/',
      keyPrefix: 'manifests/dev1/',
      depth: 0,
    });
    expect(listingPlan('manifest')).toEqual({ folder: 'manifests/', keyPrefix: 'manifests/', depth: 1 });
    expect(listingPlan('pack', 'abc')).toEqual({ folder: 'packs/ab/', keyPrefix: 'packs/ab/abc', depth: 0 });
    expect(listingPlan('segment', 'g1/')).toEqual({ folder: 'continuous/g1/', keyPrefix: 'continuous/g1/', depth: 0 });
    expect(listingPlan('config')).toEqual({ folder: '', keyPrefix: '', depth: 0 });
    expect(() => listingPlan('manifest', '../x')).toThrow();
  });
});
