import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src-main/repository/backend';
import { DEFAULT_RETRY, type RemoteEnvInput } from '../../src-main/remotes/remote-env';
import { startApache, type DavServer } from '../helpers/servers/apache';
import { apacheAvailability, rcloneAvailability, s3rverAvailability } from '../helpers/servers/availability';
import { FaultProxy } from '../helpers/servers/fault-proxy';
import { startRclone } from '../helpers/servers/rclone';
import { davBackend, mkcol, s3Backend, s3Behind, walk } from '../helpers/servers/remote-targets';
import { startS3rver, type S3Server } from '../helpers/servers/s3rver';
import { seededBytes, seededRandom } from '../helpers/seeded-random';

/**
 * Each retry and report rule, proved against each real server through the fault proxy. Back-off
 * pauses go to a recording `sleep` (so no test waits for real minutes); jitter comes from a
 * seeded generator.
 */
interface Target {
  label: string;
  proxy: FaultProxy;
  /** A backend through the proxy on a fresh, empty store. */
  make(env?: Partial<RemoteEnvInput>): Promise<Backend>;
  /** The keys the server holds for the last store made, read from its disk. */
  behind(): string[];
  /** The method that puts a file under its final name (S3: PUT; WebDAV: MOVE). */
  commitMethod: string;
  stop(): Promise<void>;
}

let n = 0;
const waits: number[] = [];
const logLines: string[] = [];
const logger = {
  debug: (m: string) => void logLines.push(m),
  info: (m: string) => void logLines.push(m),
  warn: (m: string) => void logLines.push(m),
  error: (m: string) => void logLines.push(m),
};
function testEnv(): Partial<RemoteEnvInput> {
  return {
    random: seededRandom(19),
    sleep: async (ms: number) => void waits.push(ms),
    logger,
  };
}

async function s3Target(): Promise<Target> {
  const s3: S3Server = await startS3rver();
  const proxy = await FaultProxy.start(s3.endpoint);
  let prefix = '';
  return {
    label: 's3rver',
    proxy,
    commitMethod: 'PUT',
    async make(env = {}) {
      prefix = `faults-${++n}/`;
      return s3Backend(s3, prefix, { ...testEnv(), ...env }, { endpoint: proxy.origin });
    },
    behind: () => s3Behind(s3, prefix),
    async stop() {
      await proxy.stop();
      await s3.stop();
    },
  };
}

async function davTarget(start: () => Promise<DavServer>): Promise<Target> {
  const dav = await start();
  const proxy = await FaultProxy.start(new URL(dav.url).origin);
  let sub = '';
  return {
    label: dav.name,
    proxy,
    commitMethod: 'MOVE',
    async make(env = {}) {
      sub = `faults-${++n}/`;
      await mkcol(dav, sub);
      return davBackend(dav, sub, { ...testEnv(), ...env }, { url: proxy.via(dav.url) });
    },
    behind: () => walk(path.join(dav.root, sub)),
    async stop() {
      await proxy.stop();
      await dav.stop();
    },
  };
}

const SLOW_DOWN =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';
const id = (seed: number) => seededBytes(seed, 32).toString('hex');
const requests = (p: FaultProxy, method: string) => p.log.filter((e) => e.method === method).length;

const servers = [
  ['s3rver', s3rverAvailability(), s3Target],
  ['Apache', apacheAvailability(), () => davTarget(startApache)],
  ['rclone', rcloneAvailability(), () => davTarget(startRclone)],
] as const;

for (const [label, availability, start] of servers) {
  describe.skipIf(availability.missing)(`faults on ${label} ${availability.missing ?? ''}`, () => {
    let t: Target;
    beforeAll(async () => {
      t = await start();
    });
    afterAll(async () => t?.stop());
    afterEach(() => {
      t.proxy.clear();
      waits.length = 0;
    });

    it('503 SlowDown and 429 are retried after long jittered pauses, honouring Retry-After', async () => {
      const b = await t.make();
      t.proxy.script(
        { method: 'PUT', times: 2, action: { type: 'status', status: 503, body: SLOW_DOWN } },
        { method: 'PUT', action: { type: 'status', status: 429, headers: { 'retry-after': '45' } } },
      );
      const data = seededBytes(1, 50_000);
      await b.save({ kind: 'pack', name: id(1) }, data);
      expect(t.proxy.hits('status')).toBe(3);
      expect(waits).toHaveLength(3);
      // Equal jitter: at least half the exponential step, never more than the step.
      expect(waits[0]).toBeGreaterThanOrEqual(DEFAULT_RETRY.throttledBaseMs / 2);
      expect(waits[0]).toBeLessThanOrEqual(DEFAULT_RETRY.throttledBaseMs);
      expect(waits[1]).toBeGreaterThanOrEqual(DEFAULT_RETRY.throttledBaseMs);
      expect(waits[2]).toBeGreaterThanOrEqual(45_000);
      expect((await b.load({ kind: 'pack', name: id(1) })).equals(data)).toBe(true);
    });

    it('500 is retried; a server that keeps failing is reported after the set attempts', async () => {
      const b = await t.make();
      t.proxy.script({ method: 'PUT', times: 2, action: { type: 'status', status: 500 } });
      await b.save({ kind: 'index', name: id(2) }, Buffer.from('index'));
      expect(waits).toHaveLength(2);
      expect(waits.every((w) => w <= DEFAULT_RETRY.transientCapMs)).toBe(true);
      t.proxy.clear();
      t.proxy.script({ method: 'GET', times: Infinity, action: { type: 'status', status: 500 } });
      await expect(b.load({ kind: 'index', name: id(2) })).rejects.toMatchObject({ code: 'remote_unavailable' });
      expect(requests(t.proxy, 'GET')).toBe(DEFAULT_RETRY.transientAttempts);
    });

    for (const [status, code] of [
      [507, 'remote_full'],
      [413, 'too_large'],
      [401, 'remote_auth'],
      [403, 'remote_auth'],
    ] as const) {
      it(`${status} is reported as ${code} after one request, not hammered`, async () => {
        const b = await t.make();
        t.proxy.script({ method: 'PUT', times: Infinity, action: { type: 'status', status } });
        await expect(b.save({ kind: 'pack', name: id(3) }, Buffer.from('x'))).rejects.toMatchObject({ code });
        expect(requests(t.proxy, 'PUT')).toBe(1);
        expect(waits).toEqual([]);
        expect(t.behind().filter((k) => k.startsWith('packs/'))).toEqual([]);
      });
    }

    it('412 on the commit of an immutable file is already_exists', async () => {
      const b = await t.make();
      t.proxy.script({ method: t.commitMethod, action: { type: 'status', status: 412 } });
      await expect(b.save({ kind: 'pack', name: id(4) }, Buffer.from('x'))).rejects.toMatchObject({
        code: 'already_exists',
      });
      expect(requests(t.proxy, t.commitMethod)).toBe(1);
    });

    it('423 Locked is retried a few times, then reported as remote_locked', async () => {
      const b = await t.make();
      t.proxy.script({ method: t.commitMethod, times: 1, action: { type: 'status', status: 423 } });
      await b.save({ kind: 'manifest', name: 'dev/p1' }, Buffer.from('m'));
      t.proxy.script({ method: t.commitMethod, times: Infinity, action: { type: 'status', status: 423 } });
      await expect(b.save({ kind: 'manifest', name: 'dev/p2' }, Buffer.from('m'))).rejects.toMatchObject({
        code: 'remote_locked',
      });
    });

    it('a connection reset mid-upload is retried, and an upload that never gets through leaves nothing under its name', async () => {
      const b = await t.make();
      const data = seededBytes(5, 1 << 20);
      t.proxy.script({ method: 'PUT', times: 1, action: { type: 'reset-upload', afterBytes: 300_000 } });
      await b.save({ kind: 'pack', name: id(5) }, data);
      expect(t.proxy.hits('reset-upload')).toBe(1);
      expect((await b.load({ kind: 'pack', name: id(5) })).equals(data)).toBe(true);

      t.proxy.script({ method: 'PUT', times: Infinity, action: { type: 'reset-upload', afterBytes: 300_000 } });
      await expect(b.save({ kind: 'pack', name: id(6) }, data)).rejects.toMatchObject({ code: 'remote_unavailable' });
      t.proxy.clear();
      expect(await b.stat({ kind: 'pack', name: id(6) })).toBeNull();
      const finalKey = `packs/${id(6).slice(0, 2)}/${id(6)}.pack`;
      expect(t.behind()).not.toContain(finalKey);
      const listed: string[] = [];
      for await (const f of b.list('pack')) listed.push(f.name);
      expect(listed).toEqual([id(5)]);
    });

    it('an upload whose commit went through but whose reply was lost counts as done on the retry', async () => {
      const b = await t.make();
      const data = seededBytes(8, 200_000);
      // The commit (S3's PUT, WebDAV's MOVE) goes through but its answer never comes back. On
      // S3 the retry is refused as existing by a server that honours only-if-absent; on WebDAV
      // the retried MOVE finds its temp file gone.
      t.proxy.script({ method: t.commitMethod, action: { type: 'drop-reply' } });
      if (t.commitMethod === 'PUT') t.proxy.script({ method: 'PUT', action: { type: 'status', status: 412 } });
      await b.save({ kind: 'pack', name: id(8) }, data);
      expect(t.proxy.hits('drop-reply')).toBe(1);
      expect((await b.load({ kind: 'pack', name: id(8) })).equals(data)).toBe(true);
    });

    it('a truncated download is retried; one that stays truncated is an error, never short data', async () => {
      const b = await t.make();
      const data = seededBytes(7, 1 << 20);
      await b.save({ kind: 'pack', name: id(7) }, data);
      t.proxy.script({ method: 'GET', times: 1, action: { type: 'truncate-download', afterBytes: 100_000 } });
      expect((await b.load({ kind: 'pack', name: id(7) })).equals(data)).toBe(true);
      expect(t.proxy.hits('truncate-download')).toBe(1);
      t.proxy.script({ method: 'GET', times: Infinity, action: { type: 'truncate-download', afterBytes: 100_000 } });
      await expect(b.load({ kind: 'pack', name: id(7) })).rejects.toMatchObject({ code: 'remote_unavailable' });
      await expect(b.load({ kind: 'pack', name: id(7) }, { offset: 0, length: 500_000 })).rejects.toMatchObject({
        code: 'remote_unavailable',
      });
    });

    it('a server too slow to answer is abandoned at the deadline and asked again', async () => {
      const b = await t.make({ requestTimeoutMs: 300, minBytesPerSecond: 1e9 });
      await b.save({ kind: 'lock', name: 'host-1-aaa' }, Buffer.from('lock'));
      t.proxy.script({ method: 'GET', times: 1, action: { type: 'slow', delayMs: 20_000 } });
      expect((await b.load({ kind: 'lock', name: 'host-1-aaa' })).toString()).toBe('lock');
      expect(t.proxy.hits('slow')).toBe(1);
      expect(waits).toHaveLength(1);
    });
  });
}
