import { expect, it } from 'vitest';
import type { Backend, FileInfo, HandleKind, ListOptions } from '../../src-main/repository/backend';
import { seededBytes } from '../helpers/seeded-random';

/**
 * What the remotes promise beyond the shared conformance suite
 * (test/repository/backend-conformance.ts), checked on each against its real server: large
 * files and their trailers by range, times from the storage, device- and generation-namespaced
 * listings from their own folders, and no temp file left on the server after saves. `behind`
 * lists the relative keys the server holds on its disk, to see what a client cannot.
 */
export interface ExtrasTarget {
  make(): Promise<Backend>;
  behind(): string[];
}

export async function names(b: Backend, kind: HandleKind, options?: ListOptions): Promise<string[]> {
  const out: FileInfo[] = [];
  for await (const f of b.list(kind, options)) out.push(f);
  return out.map((f) => f.name).sort();
}

const hex = (seed: number) => seededBytes(seed, 32).toString('hex');

export function remoteExtras(t: () => ExtrasTarget): void {
  it('a 4 MiB pack round-trips, its trailer reads by range, its time is the storage clock', async () => {
    const b = await t().make();
    const pack = seededBytes(11, 4 << 20);
    const id = hex(1);
    await b.save({ kind: 'pack', name: id }, pack);
    expect((await b.load({ kind: 'pack', name: id })).equals(pack)).toBe(true);
    expect(
      (await b.load({ kind: 'pack', name: id }, { offset: pack.length - 44, length: 44 })).equals(pack.subarray(-44)),
    ).toBe(true);
    const st = await b.stat({ kind: 'pack', name: id });
    expect(st?.size).toBe(pack.length);
    expect(Math.abs(st!.modifiedAt!.getTime() - Date.now())).toBeLessThan(10 * 60_000);
    await b.close();
  });

  it('lists device manifests and generation segments from their folders, and leaves no temp file behind', async () => {
    const b = await t().make();
    await b.save({ kind: 'manifest', name: 'devA/20261201T120000000Z-auto-aaaaaa' }, Buffer.from('{}'));
    await b.save({ kind: 'manifest', name: 'devA/20261201T130000000Z-auto-bbbbbb' }, Buffer.from('{}'));
    await b.save({ kind: 'manifest', name: 'devAB/20261201T120000000Z-auto-cccccc' }, Buffer.from('{}'));
    await b.save({ kind: 'manifest', name: '20261201T110000000Z-auto-dddddd' }, Buffer.from('{}'));
    await b.save({ kind: 'generation', name: 'g1' }, Buffer.from('{}'));
    await b.save({ kind: 'segment', name: 'g1/000000000001-000000000004.seg' }, Buffer.from('seg'));
    await b.save({ kind: 'state', name: 'state.json' }, Buffer.from('{}'));
    await b.save({ kind: 'config', name: 'config' }, Buffer.from('{}'));
    expect(await names(b, 'manifest', { prefix: 'devA/' })).toEqual([
      'devA/20261201T120000000Z-auto-aaaaaa',
      'devA/20261201T130000000Z-auto-bbbbbb',
    ]);
    expect(await names(b, 'manifest', { prefix: 'devA' })).toHaveLength(3);
    expect(await names(b, 'generation', { prefix: 'g' })).toEqual(['g1']);
    expect(await names(b, 'segment', { prefix: 'g1/' })).toEqual(['g1/000000000001-000000000004.seg']);
    expect(await names(b, 'state')).toEqual(['state.json']);
    expect(await names(b, 'config')).toEqual(['config']);
    expect(
      t()
        .behind()
        .filter((k) => k.split('/').some((p) => p.startsWith('.'))),
    ).toEqual([]);
    await b.close();
  });
}
