import { expect, it } from 'vitest';
import type { Backend, FileInfo, HandleKind, ListOptions } from '../../src-main/repository/backend';
import type { RemoteCapabilities } from '../../src-main/remotes/remote-env';
import { seededBytes } from '../helpers/seeded-random';

/**
 * The `Backend` rules checked on each remote against its real server, until the shared
 * conformance suite of the repository reshape (test/repository/backend-conformance.ts) runs
 * here too. `make` gives a backend on an empty store; `behind` lists the relative keys present
 * on the server's disk (to check what a client cannot see).
 */
export interface ContractTarget {
  make(): Promise<Backend & { capabilities: RemoteCapabilities }>;
  behind(): string[];
}

export async function names(b: Backend, kind: HandleKind, options?: ListOptions): Promise<string[]> {
  const out: FileInfo[] = [];
  for await (const f of b.list(kind, options)) out.push(f);
  return out.map((f) => f.name).sort();
}

const hex = (seed: number) => seededBytes(seed, 32).toString('hex');

export function remoteContract(t: () => ContractTarget): void {
  it('round-trips files of every kind, whole and by range, with sizes and times', async () => {
    const b = await t().make();
    const pack = seededBytes(11, 300_000);
    const id = hex(1);
    await b.save({ kind: 'pack', name: id }, pack);
    expect((await b.load({ kind: 'pack', name: id })).equals(pack)).toBe(true);
    expect((await b.load({ kind: 'pack', name: id }, { offset: 1000, length: 4096 })).equals(pack.subarray(1000, 5096))).toBe(
      true,
    );
    // The pack's trailer is read as its last bytes; a range that runs past the end gives what there is.
    expect((await b.load({ kind: 'pack', name: id }, { offset: pack.length - 44, length: 44 })).equals(pack.subarray(-44))).toBe(
      true,
    );
    expect((await b.load({ kind: 'pack', name: id }, { offset: pack.length - 10, length: 100 })).length).toBe(10);
    await expect(b.load({ kind: 'pack', name: id }, { offset: pack.length + 1, length: 1 })).rejects.toMatchObject({
      code: 'invalid_input',
    });
    const st = await b.stat({ kind: 'pack', name: id });
    expect(st?.size).toBe(pack.length);
    expect(st?.modifiedAt).toBeInstanceOf(Date);
    expect(Math.abs(st!.modifiedAt!.getTime() - Date.now())).toBeLessThan(10 * 60_000);
    await b.save({ kind: 'index', name: hex(2) }, Buffer.alloc(0));
    expect((await b.load({ kind: 'index', name: hex(2) })).length).toBe(0);
    expect((await b.stat({ kind: 'index', name: hex(2) }))?.size).toBe(0);
    await b.close();
  });

  it('lists each kind apart, by device or generation prefix, never temp files or other kinds', async () => {
    const b = await t().make();
    const packs = [hex(3), hex(4), hex(5)];
    for (const p of packs) await b.save({ kind: 'pack', name: p }, Buffer.from(p));
    await b.save({ kind: 'manifest', name: 'devA/20261201T120000000Z-auto-aaaaaa' }, Buffer.from('{}'));
    await b.save({ kind: 'manifest', name: 'devA/20261201T130000000Z-auto-bbbbbb' }, Buffer.from('{}'));
    await b.save({ kind: 'manifest', name: 'devB/20261201T120000000Z-auto-cccccc' }, Buffer.from('{}'));
    await b.save({ kind: 'manifest', name: '20261201T110000000Z-auto-dddddd' }, Buffer.from('{}'));
    await b.save({ kind: 'generation', name: 'g1' }, Buffer.from('{"g":1}'));
    await b.save({ kind: 'segment', name: 'g1/000000000001-000000000004' }, Buffer.from('seg'));
    await b.save({ kind: 'segment', name: 'g1/000000000005-000000000005' }, Buffer.from('seg'));
    await b.save({ kind: 'segment', name: 'devA/g2/000000000001-000000000001' }, Buffer.from('seg'));
    await b.save({ kind: 'lock', name: 'host-1-abc' }, Buffer.from('{}'));

    expect(await names(b, 'pack')).toEqual([...packs].sort());
    expect(await names(b, 'pack', { prefix: packs[0]!.slice(0, 5) })).toEqual([packs[0]]);
    expect(await names(b, 'manifest', { prefix: 'devA/' })).toEqual([
      'devA/20261201T120000000Z-auto-aaaaaa',
      'devA/20261201T130000000Z-auto-bbbbbb',
    ]);
    expect(await names(b, 'manifest')).toHaveLength(4);
    expect(await names(b, 'manifest', { prefix: 'devB' })).toEqual(['devB/20261201T120000000Z-auto-cccccc']);
    expect(await names(b, 'generation')).toEqual(['g1']);
    expect(await names(b, 'segment', { prefix: 'g1/' })).toEqual([
      'g1/000000000001-000000000004',
      'g1/000000000005-000000000005',
    ]);
    expect(await names(b, 'segment')).toHaveLength(3);
    expect(await names(b, 'lock')).toEqual(['host-1-abc']);
    expect(await names(b, 'index')).toEqual([]);
    expect(await names(b, 'device')).toEqual([]);
    // Nothing but the files themselves was left behind (no temp files after the moves).
    expect(t().behind().filter((k) => k.split('/').some((p) => p.endsWith('.tmp')))).toEqual([]);
    await b.close();
  });

  it('never replaces an immutable file where it can tell; replaces a replaceable kind whole', async () => {
    const b = await t().make();
    const id = hex(6);
    await b.save({ kind: 'pack', name: id }, Buffer.from('first'));
    const again = await b.save({ kind: 'pack', name: id }, Buffer.from('second')).then(
      () => null,
      (e: { code?: string }) => e,
    );
    if (b.capabilities.ifAbsent === 'enforced') {
      expect(again).toMatchObject({ code: 'already_exists' });
      expect((await b.load({ kind: 'pack', name: id })).toString()).toBe('first');
    } else if (again) {
      expect(again).toMatchObject({ code: 'already_exists' });
    }
    await b.save({ kind: 'manifest', name: 'devA/p1' }, Buffer.from('v1'));
    await b.save({ kind: 'manifest', name: 'devA/p1' }, Buffer.from('version 2'));
    expect((await b.load({ kind: 'manifest', name: 'devA/p1' })).toString()).toBe('version 2');
    const onlyNew = await b.save({ kind: 'manifest', name: 'devA/p1' }, Buffer.from('v3'), { ifAbsent: true }).then(
      () => null,
      (e: { code?: string }) => e,
    );
    if (b.capabilities.ifAbsent === 'enforced') expect(onlyNew).toMatchObject({ code: 'already_exists' });
    await b.close();
  });

  it('removes (a missing file is no error), reports missing files, refuses bad names', async () => {
    const b = await t().make();
    await b.save({ kind: 'device', name: 'dev1' }, Buffer.from('{}'));
    await b.remove({ kind: 'device', name: 'dev1' });
    await b.remove({ kind: 'device', name: 'dev1' });
    expect(await b.stat({ kind: 'device', name: 'dev1' })).toBeNull();
    await expect(b.load({ kind: 'device', name: 'dev1' })).rejects.toMatchObject({ code: 'not_found' });
    for (const name of ['../x', '.hidden', 'a/../../b', 'x.tmp', 'a b', 'p.sync-conflict-20261201-120000-ABC']) {
      await expect(b.save({ kind: 'manifest', name }, Buffer.from('x'))).rejects.toMatchObject({ code: 'invalid_id' });
    }
    await expect(b.save({ kind: 'pack', name: 'a/b' }, Buffer.from('x'))).rejects.toMatchObject({ code: 'invalid_id' });
    await b.close();
  });
}
