/**
 * The conformance suite every `Backend` must pass (in the spirit of restic's backend test
 * suite). A backend's test file calls `backendConformance` with a factory for a fresh, empty
 * backend; the local store runs it in `local-backend.test.ts`, and the mirror folder, S3 and
 * WebDAV backends run the very same tests against their real servers.
 *
 *   backendConformance('S3 (s3rver)', { fresh: async () => new S3Backend(...) , opener: '...' });
 *
 * Backends that cannot refuse to replace (`honoursIfAbsent: false`) are not expected to answer
 * `already_exists`; everything else is the same for all.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  HANDLE_KINDS,
  REPLACEABLE_KINDS,
  type Backend,
  type FileInfo,
  type Handle,
  type HandleKind,
} from '../../src-main/repository/backend';
import { contentFor } from './fixtures/content';
import { runKillDuringSave } from './kill-during-save';

export interface ConformanceOptions {
  /** A fresh, empty backend; called once per test. */
  fresh(): Promise<Backend>;
  /**
   * A module exporting `openBackend(description)` that a child process uses to open the same
   * backend for the kill -9 test (default: `src-main/repository/open-backend.ts`).
   */
  opener?: string;
  /** Environment for that child (a server's address, test credentials). */
  childEnv?: Record<string, string>;
  /** Names in the large listing (default 2500). */
  listCount?: number;
  /** kill -9 runs (default 8; `STRATA_BACKEND_KILLS` overrides). */
  kills?: number;
  /** Seed of the kill instants (default fixed; `STRATA_BACKEND_KILL_SEED` overrides). */
  killSeed?: number;
}

/** A name of each kind that follows its rules (see `handle-names.ts`). */
export function sampleName(kind: HandleKind, stem: string): string {
  if (kind === 'segment') return `gen${stem.replace(/[^0-9A-Za-z_-]/g, '')}/${stem}.seg`;
  if (kind === 'generation') return `gen${stem.replace(/[^0-9A-Za-z_-]/g, '')}`;
  if (kind === 'state') return `${stem}.json`;
  return `n${stem}`;
}

export async function collect(it: AsyncIterable<FileInfo>): Promise<FileInfo[]> {
  const out: FileInfo[] = [];
  for await (const f of it) out.push(f);
  return out;
}

async function names(b: Backend, kind: HandleKind, prefix?: string): Promise<string[]> {
  return (await collect(b.list(kind, prefix === undefined ? {} : { prefix }))).map((f) => f.name).sort();
}

const ALL_CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._-';
const BAD_NAMES = [
  '',
  '..',
  'a/../b',
  '../a',
  '.hidden',
  'a\\b',
  'a\0b',
  'a/b/c',
  '/abs',
  'a/',
  'x y',
  'caf\u00e9',
  'a..b',
];

export function backendConformance(label: string, opts: ConformanceOptions): void {
  describe(`backend conformance: ${label}`, () => {
    const open: Backend[] = [];
    const fresh = async () => {
      const b = await opts.fresh();
      open.push(b);
      return b;
    };
    afterEach(async () => {
      while (open.length) await open.pop()!.close();
    });

    it('round-trips a file of every kind: load, stat, list', async () => {
      const b = await fresh();
      for (const [i, kind] of HANDLE_KINDS.entries()) {
        const h: Handle = { kind, name: sampleName(kind, `rt${i}`) };
        const data = contentFor(1, i, 1000 + i * 37);
        await b.save(h, data);
        expect((await b.load(h)).equals(data), kind).toBe(true);
        const st = await b.stat(h);
        expect(st?.size, kind).toBe(data.length);
        expect(st?.name, kind).toBe(h.name);
        const listed = await collect(b.list(kind));
        expect(
          listed.map((f) => [f.name, f.size]),
          kind,
        ).toEqual([[h.name, data.length]]);
      }
      // An empty file is a file too.
      const empty: Handle = { kind: 'key', name: 'empty' };
      await b.save(empty, new Uint8Array(0));
      expect((await b.load(empty)).length).toBe(0);
      expect((await b.stat(empty))?.size).toBe(0);
    });

    it('reads byte ranges like pread: inside, at the end, past it', async () => {
      const b = await fresh();
      const h: Handle = { kind: 'pack', name: 'ranged' };
      const data = contentFor(2, 0, 1000);
      await b.save(h, data);
      const cases: [number, number, Buffer][] = [
        [0, 10, data.subarray(0, 10)],
        [500, 100, data.subarray(500, 600)],
        [990, 10, data.subarray(990)],
        [995, 10, data.subarray(995)],
        [0, 1000, data],
        [0, 5000, data],
        [1000, 10, Buffer.alloc(0)],
        [4000, 10, Buffer.alloc(0)],
        [10, 0, Buffer.alloc(0)],
      ];
      for (const [offset, length, want] of cases) {
        const got = await b.load(h, { offset, length });
        expect(got.equals(want), `${offset}+${length}`).toBe(true);
      }
    });

    it('lists thousands of names, each once, and filters by prefix', async () => {
      const b = await fresh();
      const count = opts.listCount ?? 2500;
      const all: string[] = [];
      for (let i = 0; i < count; i++) all.push(`${i % 3 === 0 ? 'aa' : 'ab'}-${String(i).padStart(6, '0')}`);
      for (let at = 0; at < all.length; at += 50) {
        await Promise.all(all.slice(at, at + 50).map((n) => b.save({ kind: 'index', name: n }, Buffer.from(n))));
      }
      const listed = await collect(b.list('index'));
      expect(listed.length).toBe(count);
      expect(listed.map((f) => f.name).sort()).toEqual([...all].sort());
      expect(listed.every((f) => f.size === 9)).toBe(true);
      expect(await names(b, 'index', 'aa')).toEqual(all.filter((n) => n.startsWith('aa')).sort());
      expect(await names(b, 'index', 'ab-00001')).toEqual(all.filter((n) => n.startsWith('ab-00001')).sort());
      expect(await names(b, 'index', 'zz')).toEqual([]);
      // Nothing of another kind is listed.
      expect(await names(b, 'pack')).toEqual([]);
    });

    it('lists a segment generation or a device folder by prefix', async () => {
      const b = await fresh();
      const segs = ['g1/000001-000001.seg', 'g1/000002-000003.seg', 'g2/000001-000001.seg', 'g10/000001-000001.seg'];
      for (const n of segs) await b.save({ kind: 'segment', name: n }, Buffer.from(n));
      await b.save({ kind: 'generation', name: 'g1' }, Buffer.from('{}'));
      await b.save({ kind: 'state', name: 'state.json' }, Buffer.from('{}'));
      expect(await names(b, 'segment', 'g1/')).toEqual(segs.slice(0, 2));
      expect(await names(b, 'segment')).toEqual([...segs].sort());
      expect(await names(b, 'generation')).toEqual(['g1']);
      expect(await names(b, 'state')).toEqual(['state.json']);
      for (const n of ['dev-a/p1', 'dev-a/p2', 'dev-b/p1', 'p0'])
        await b.save({ kind: 'manifest', name: n }, Buffer.from(n));
      expect(await names(b, 'manifest', 'dev-a/')).toEqual(['dev-a/p1', 'dev-a/p2']);
      expect(await names(b, 'manifest')).toEqual(['dev-a/p1', 'dev-a/p2', 'dev-b/p1', 'p0']);
    });

    it('replaces only the replaceable kinds', async () => {
      const b = await fresh();
      for (const kind of HANDLE_KINDS) {
        if (!REPLACEABLE_KINDS.has(kind)) expect(b.replaceable(kind), kind).toBe(false);
        const h: Handle = { kind, name: sampleName(kind, 'rep') };
        const v1 = Buffer.from(`first ${kind}`);
        const v2 = Buffer.from(`second ${kind}, longer`);
        await b.save(h, v1);
        if (b.replaceable(kind)) {
          await b.save(h, v2);
          expect((await b.load(h)).equals(v2), kind).toBe(true);
        } else if (b.honoursIfAbsent) {
          await expect(b.save(h, v2), kind).rejects.toMatchObject({ code: 'already_exists' });
          expect((await b.load(h)).equals(v1), kind).toBe(true);
        }
      }
    });

    it('"only if absent" on an existing name', async () => {
      const b = await fresh();
      const h: Handle = { kind: 'manifest', name: 'once' };
      await b.save(h, Buffer.from('one'), { ifAbsent: true });
      const second = b.save(h, Buffer.from('two'), { ifAbsent: true });
      if (b.honoursIfAbsent) {
        await expect(second).rejects.toMatchObject({ code: 'already_exists' });
        expect((await b.load(h)).toString()).toBe('one');
      } else {
        await second.catch((e: { code?: string }) => expect(e.code).toBe('already_exists'));
        expect(['one', 'two']).toContain((await b.load(h)).toString());
      }
      // On a fresh name it simply saves.
      await b.save({ kind: 'manifest', name: 'fresh' }, Buffer.from('x'), { ifAbsent: true });
      expect((await b.load({ kind: 'manifest', name: 'fresh' })).toString()).toBe('x');
    });

    it('removes, and removing a missing name succeeds; a missing file is not_found or null', async () => {
      const b = await fresh();
      const h: Handle = { kind: 'dictionary', name: 'gone' };
      await b.remove(h);
      await b.save(h, Buffer.from('x'));
      await b.remove(h);
      expect(await b.stat(h)).toBeNull();
      await expect(b.load(h)).rejects.toMatchObject({ code: 'not_found' });
      await expect(b.load(h, { offset: 0, length: 1 })).rejects.toMatchObject({ code: 'not_found' });
      expect(await names(b, 'dictionary')).toEqual([]);
      await b.remove(h);
      // Once removed, even an immutable name can be saved again.
      await b.save(h, Buffer.from('y'));
      expect((await b.load(h)).toString()).toBe('y');
    });

    it('takes names with every allowed character, and refuses bad names without touching anything', async () => {
      const b = await fresh();
      const good: Handle[] = [
        { kind: 'key', name: ALL_CHARS },
        { kind: 'device', name: `-${ALL_CHARS}-` },
        { kind: 'pack', name: `_x${ALL_CHARS}.` },
        { kind: 'manifest', name: `dev_1-A.b/${ALL_CHARS}` },
        { kind: 'segment', name: 'Gen_9-z/0-9.a_b-c.seg' },
        { kind: 'index', name: 'a'.repeat(200) },
      ];
      for (const h of good) {
        await b.save(h, Buffer.from(h.name));
        expect((await b.load(h)).toString(), h.name).toBe(h.name);
        expect(await names(b, h.kind), h.name).toContain(h.name);
      }
      for (const name of [...BAD_NAMES, 'a'.repeat(201)]) {
        for (const kind of ['key', 'manifest'] as const) {
          const h = { kind, name };
          await expect(b.save(h, Buffer.from('x')), JSON.stringify(name)).rejects.toMatchObject({
            code: 'invalid_input',
          });
          await expect(b.load(h), JSON.stringify(name)).rejects.toMatchObject({ code: 'invalid_input' });
          await expect(b.stat(h), JSON.stringify(name)).rejects.toMatchObject({ code: 'invalid_input' });
          await expect(b.remove(h), JSON.stringify(name)).rejects.toMatchObject({ code: 'invalid_input' });
        }
      }
      // A segment needs its generation; a generation and a state file cannot be mistaken.
      for (const [kind, name] of [
        ['segment', 'plain.seg'],
        ['segment', 'g/file'],
        ['generation', 'has.dot'],
        ['state', 'nodot'],
        ['pack', 'a'],
      ] as const)
        await expect(b.save({ kind, name }, Buffer.from('x')), `${kind} ${name}`).rejects.toMatchObject({
          code: 'invalid_input',
        });
      expect(await names(b, 'key')).toEqual([ALL_CHARS]);
      expect(await names(b, 'manifest')).toEqual([`dev_1-A.b/${ALL_CHARS}`]);
    });

    it('its description survives a structured clone (it is what worker threads receive)', async () => {
      const b = await fresh();
      expect(structuredClone(b.description)).toEqual(b.description);
      expect(JSON.parse(JSON.stringify(b.description))).toEqual(b.description);
    });

    it('a kill -9 during saves leaves every name whole or absent, and the next saves work', async () => {
      const b = await fresh();
      await runKillDuringSave(b, {
        opener: opts.opener,
        childEnv: opts.childEnv,
        kills: Number(process.env.STRATA_BACKEND_KILLS ?? opts.kills ?? 8),
        seed: Number(process.env.STRATA_BACKEND_KILL_SEED ?? opts.killSeed ?? 20261208),
      });
    }, 240_000);
  });
}
