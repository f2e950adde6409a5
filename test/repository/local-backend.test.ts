import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backendConformance, collect } from './backend-conformance';
import type { Handle } from '../../src-main/repository/backend';
import { LocalBackend } from '../../src-main/repository/local-backend';

/**
 * On tmpfs when there is one: these tests are about what a crash or a race leaves visible, which
 * does not depend on fsync reaching a disk, and thousands of fsyncs on a shared disk take minutes.
 */
const parent = fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'strata-local-backend-'));
afterAll(() => fs.rmSync(parent, { recursive: true, force: true }));
let n = 0;

/** A real full disk needs root to mount a small tmpfs. */
const canMount = (() => {
  if (process.getuid?.() !== 0) return false;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-mount-probe-'));
  const ok = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]).status === 0;
  if (ok) spawnSync('umount', [dir]);
  fs.rmSync(dir, { recursive: true, force: true });
  return ok;
})();

backendConformance('LocalBackend', { fresh: async () => new LocalBackend(path.join(parent, `store-${n++}`)) });

describe('LocalBackend on this disk', () => {
  const fresh = () => new LocalBackend(path.join(parent, `store-${n++}`));

  it('keeps every kind exactly where stores have always kept it', async () => {
    const b = fresh();
    const id = 'ab' + 'c'.repeat(62);
    const expected: [Handle, string][] = [
      [{ kind: 'pack', name: id }, `packs/ab/${id}.pack`],
      [{ kind: 'index', name: id }, `index/${id}.idx`],
      [{ kind: 'manifest', name: 'snap-1' }, 'manifests/snap-1.json'],
      [{ kind: 'dictionary', name: id }, `dictionaries/${id}.dict`],
      [{ kind: 'segment', name: 'g1/000000000001-000000000002.seg' }, 'continuous/g1/000000000001-000000000002.seg'],
      [{ kind: 'generation', name: 'g1' }, 'continuous/g1/generation.json'],
      [{ kind: 'lock', name: 'host-1-ab' }, 'locks/host-1-ab.lock'],
      [{ kind: 'key', name: 'k1' }, 'keys/k1.json'],
      [{ kind: 'config', name: 'config' }, 'config.json'],
      [{ kind: 'device', name: 'd1' }, 'devices/d1.json'],
      [{ kind: 'state', name: 'state.json' }, 'continuous/state.json'],
    ];
    for (const [h, rel] of expected) {
      await b.save(h, Buffer.from(rel));
      expect(fs.readFileSync(path.join(b.sync.root, rel), 'utf8'), rel).toBe(rel);
      expect(b.sync.pathOf(h)).toBe(path.join(b.sync.root, rel));
    }
  });

  it('writes files 0600 in folders 0700', async () => {
    const b = fresh();
    await b.save({ kind: 'pack', name: 'ff00' }, Buffer.from('x'));
    b.sync.save({ kind: 'segment', name: 'g2/1-1.seg' }, Buffer.from('y'));
    expect(fs.statSync(path.join(b.sync.root, 'packs/ff/ff00.pack')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(b.sync.root, 'continuous/g2/1-1.seg')).mode & 0o777).toBe(0o600);
    for (const dir of ['', 'packs', 'packs/ff', 'continuous', 'continuous/g2'])
      expect(fs.statSync(path.join(b.sync.root, dir)).mode & 0o777, dir).toBe(0o700);
  });

  it('the blocking store and the Backend see the same files', async () => {
    const b = fresh();
    b.sync.save({ kind: 'manifest', name: 'm1' }, [Buffer.from('ab'), Buffer.from('cd')]);
    await b.save({ kind: 'manifest', name: 'm2' }, Buffer.from('efgh'));
    expect((await b.load({ kind: 'manifest', name: 'm1' })).toString()).toBe('abcd');
    expect(b.sync.load({ kind: 'manifest', name: 'm2' }, { offset: 1, length: 2 }).toString()).toBe('fg');
    expect(b.sync.names('manifest')).toEqual(['m1', 'm2']);
    expect(b.sync.saveContentNamed({ kind: 'index', name: 'same' }, Buffer.from('z'))).toBe(true);
    expect(b.sync.saveContentNamed({ kind: 'index', name: 'same' }, Buffer.from('z'))).toBe(false);
    expect(() => b.sync.save({ kind: 'index', name: 'same' }, Buffer.from('other'))).toThrow(
      expect.objectContaining({ code: 'already_exists' }),
    );
    b.sync.remove({ kind: 'manifest', name: 'm1' });
    expect(b.sync.loadIfExists({ kind: 'manifest', name: 'm1' })).toBeNull();
  });

  it('a file written in pieces exists only once committed; abandoned or leftover temps are never listed', async () => {
    const b = fresh();
    const pending = b.sync.create('pack');
    pending.write(Buffer.from('hello '));
    pending.write(Buffer.from('world'));
    expect(await collect(b.list('pack'))).toEqual([]);
    pending.commit('aa11');
    expect(b.sync.load({ kind: 'pack', name: 'aa11' }).toString()).toBe('hello world');
    const dropped = b.sync.create('pack');
    dropped.write(Buffer.from('never'));
    dropped.abandon();
    // A crash's leftover: hidden, so invisible, and swept once old.
    const leftover = b.sync.create('index');
    leftover.write(Buffer.from('half'));
    expect(b.sync.names('pack')).toEqual(['aa11']);
    expect(b.sync.names('index')).toEqual([]);
    expect(fs.readdirSync(path.join(b.sync.root, 'packs')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(b.sync.removeStaleTemps('index', 0)).toBe(1);
    leftover.abandon();
  });

  it('a generation goes whole: renamed aside, then removed', async () => {
    const b = fresh();
    b.sync.save({ kind: 'generation', name: 'g1' }, Buffer.from('{}'));
    b.sync.save({ kind: 'segment', name: 'g1/1-1.seg' }, Buffer.from('s'));
    b.sync.save({ kind: 'generation', name: 'g2' }, Buffer.from('{}'));
    b.sync.removeGeneration('g1');
    expect(b.sync.names('generation')).toEqual(['g2']);
    expect(b.sync.names('segment')).toEqual([]);
    b.sync.removeGeneration('g1'); // already gone: nothing to do
  });

  it.skipIf(!canMount)('on a full disk: disk_full, and nothing under the final name or in a listing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-full-'));
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dir]).status).toBe(0);
    try {
      const b = new LocalBackend(path.join(dir, 'store'));
      const big = Buffer.alloc(1024 * 1024, 7);
      await expect(b.save({ kind: 'pack', name: 'big1' }, big)).rejects.toMatchObject({ code: 'disk_full' });
      expect(() => b.sync.save({ kind: 'pack', name: 'big2' }, big)).toThrow(
        expect.objectContaining({ code: 'disk_full' }),
      );
      expect(await b.stat({ kind: 'pack', name: 'big1' })).toBeNull();
      expect(b.sync.names('pack')).toEqual([]);
      // The temp files went too, so the space is free again.
      await b.save({ kind: 'pack', name: 'small' }, Buffer.from('fits'));
      expect(b.sync.names('pack')).toEqual(['small']);
    } finally {
      spawnSync('umount', [dir]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
