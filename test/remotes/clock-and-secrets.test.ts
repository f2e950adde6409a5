import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transport } from '../../src-main/remotes/remote-env';
import { startApache, type DavServer } from '../helpers/servers/apache';
import { apacheAvailability, s3rverAvailability } from '../helpers/servers/availability';
import { FaultProxy } from '../helpers/servers/fault-proxy';
import { davBackend, mkcol, nodeFetch, s3Backend } from '../helpers/servers/remote-targets';
import { startS3rver, type S3Server } from '../helpers/servers/s3rver';
import { seededBytes, seededRandom } from '../helpers/seeded-random';

const TWENTY_MINUTES = 20 * 60_000;
const lines: string[] = [];
const logger = {
  debug: (m: string, c?: object) => void lines.push(m + JSON.stringify(c ?? {})),
  info: (m: string, c?: object) => void lines.push(m + JSON.stringify(c ?? {})),
  warn: (m: string, c?: object) => void lines.push(m + JSON.stringify(c ?? {})),
  error: (m: string, c?: object) => void lines.push(m + JSON.stringify(c ?? {})),
};
const quick = { random: seededRandom(7), sleep: async () => undefined, logger };

/** A transport that records every URL it is asked for, then uses Node's fetch. */
function counting(): { transport: Transport; seen: string[] } {
  const seen: string[] = [];
  return { seen, transport: (url, init) => (seen.push(`${init.method} ${url}`), nodeFetch(url, init)) };
}

const s3rver = s3rverAvailability();
describe.skipIf(s3rver.missing)(`S3 clock, transport and secrets ${s3rver.missing ?? ''}`, () => {
  let s3: S3Server;
  let proxy: FaultProxy;
  beforeAll(async () => {
    s3 = await startS3rver();
    proxy = await FaultProxy.start(s3.endpoint);
  });
  afterAll(async () => {
    await proxy?.stop();
    await s3?.stop();
  });

  it("a clock 20 minutes off is refused by the server (RequestTimeTooSkewed), then signed with the server's time", async () => {
    const { transport, seen } = counting();
    // This machine's clock runs 20 minutes ahead of the server's; s3rver refuses over 15.
    const b = s3Backend(s3, 'skew/', { ...quick, transport, now: () => Date.now() + TWENTY_MINUTES });
    await b.save({ kind: 'device', name: 'laptop' }, Buffer.from('{}'));
    expect(seen.filter((s) => s.startsWith('PUT'))).toHaveLength(2);
    expect(b.serverClock.offsetMs).not.toBeNull();
    expect(Math.abs(b.serverClock.offsetMs! + TWENTY_MINUTES)).toBeLessThan(60_000);
    // Later requests are signed with the server's time at once.
    seen.length = 0;
    expect((await b.load({ kind: 'device', name: 'laptop' })).toString()).toBe('{}');
    expect(seen).toHaveLength(1);
    expect(Math.abs(b.serverClock.now().getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('every request goes through the injected transport; each PUT carries its checksums, immutable ones If-None-Match', async () => {
    const seen: string[] = [];
    const puts: Record<string, string>[] = [];
    const transport: Transport = (url, init) => {
      seen.push(`${init.method} ${url}`);
      if (init.method === 'PUT') puts.push(init.headers as Record<string, string>);
      return nodeFetch(url, init);
    };
    const b = s3Backend(s3, 'transport/', { ...quick, transport });
    await b.save({ kind: 'config', name: 'c' }, Buffer.from('{}'));
    await b.load({ kind: 'config', name: 'c' });
    for await (const _ of b.list('config'));
    await b.remove({ kind: 'config', name: 'c' });
    // The PUT's ETag (the MD5 of what s3rver stored) verified it: no HEAD needed.
    expect(seen.map((s) => s.split(' ')[0])).toEqual(['PUT', 'GET', 'GET', 'DELETE']);
    const body = seededBytes(3, 10_000);
    await b.save({ kind: 'pack', name: 'ef'.repeat(32) }, body);
    const [config, pack] = puts;
    expect(config!['if-none-match']).toBeUndefined();
    expect(pack!['if-none-match']).toBe('*');
    expect(pack!['content-md5']).toBe(crypto.createHash('md5').update(body).digest('base64'));
    expect(pack!['x-amz-checksum-sha256']).toBe(crypto.createHash('sha256').update(body).digest('base64'));
    expect(pack!['x-amz-content-sha256']).toBe(crypto.createHash('sha256').update(body).digest('hex'));
    expect(pack!.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=S3RVER\/\d{8}\/us-east-1\/s3\/aws4_request, /);
  });

  it('an upload is verified by its ETag, or by a HEAD for its size when the ETag is no MD5', async () => {
    const { transport, seen } = counting();
    const b = s3Backend(s3, 'verify/', { ...quick, transport }, { endpoint: proxy.origin });
    proxy.script({
      method: 'PUT',
      action: { type: 'reply-header', name: 'etag', value: '"0123456789abcdef0123456789abcdef"' },
    });
    await expect(b.save({ kind: 'pack', name: '12'.repeat(32) }, Buffer.from('pack'))).rejects.toMatchObject({
      code: 'upload_unverified',
    });
    seen.length = 0;
    proxy.script({ method: 'PUT', action: { type: 'reply-header', name: 'etag', value: '"kms-encrypted-etag-1"' } });
    await b.save({ kind: 'pack', name: '34'.repeat(32) }, Buffer.from('pack'));
    expect(seen.map((s) => s.split(' ')[0])).toEqual(['PUT', 'HEAD']);
    // The HEAD says the server holds fewer bytes than were sent.
    proxy.script(
      { method: 'PUT', action: { type: 'reply-header', name: 'etag', value: null } },
      { method: 'HEAD', action: { type: 'reply-header', name: 'content-length', value: '3' } },
    );
    await expect(b.save({ kind: 'pack', name: '56'.repeat(32) }, Buffer.from('pack'))).rejects.toMatchObject({
      code: 'upload_unverified',
    });
    proxy.clear();
  });

  it('no error message, log line or description holds the secret or session token', async () => {
    const secret = 'SeCrEt-19a-wJalrXUtnFEMI/K7MDENG';
    const token = 'SessionToken-19a-abcdefgh';
    lines.length = 0;
    const messages: string[] = [];
    const b = new (await import('../../src-main/remotes/s3-backend')).S3Backend({
      endpoint: proxy.origin,
      bucket: s3.bucket,
      prefix: 'secrets/',
      region: s3.region,
      pathStyle: true,
      credentials: async () => ({ accessKeyId: s3.accessKeyId, secretAccessKey: secret, sessionToken: token }),
      env: (await import('../../src-main/remotes/remote-env')).remoteEnv({ transport: nodeFetch, ...quick }),
    });
    // A hostile or careless server that echoes credentials in its error message.
    const echo = `<Error><Code>AccessDenied</Code><Message>bad key ${secret} token ${token}</Message></Error>`;
    proxy.script(
      {
        method: 'PUT',
        times: 2,
        action: { type: 'status', status: 503, body: echo.replace('AccessDenied', 'SlowDown') },
      },
      { method: 'PUT', times: 1, action: { type: 'status', status: 403, body: echo } },
      {
        method: 'GET',
        times: 5,
        action: { type: 'status', status: 500, body: echo.replace('AccessDenied', 'InternalError') },
      },
      { method: 'HEAD', times: 1, action: { type: 'status', status: 401 } },
    );
    for (const op of [
      () => b.save({ kind: 'pack', name: 'ab'.repeat(32) }, Buffer.from('x')),
      () => b.load({ kind: 'pack', name: 'ab'.repeat(32) }),
      () => b.stat({ kind: 'pack', name: 'ab'.repeat(32) }),
    ]) {
      const e = await op().then(
        () => null,
        (x: Error) => x,
      );
      expect(e).not.toBeNull();
      messages.push(e!.message, String(e), JSON.stringify(e));
    }
    proxy.clear();
    const all = [...messages, ...lines, JSON.stringify(b.description)].join('\n');
    expect(lines.length).toBeGreaterThan(3);
    expect(all).toContain('[redacted]');
    expect(all).not.toContain(secret);
    expect(all).not.toContain(token);
  });
});

const apache = apacheAvailability();
describe.skipIf(apache.missing)(`WebDAV clock and secrets ${apache.missing ?? ''}`, () => {
  let dav: DavServer;
  let proxy: FaultProxy;
  beforeAll(async () => {
    dav = await startApache();
    proxy = await FaultProxy.start(new URL(dav.url).origin);
    await mkcol(dav, 'clock/');
  });
  afterAll(async () => {
    await proxy?.stop();
    await dav?.stop();
  });

  it("learns a server clock 20 minutes off from its replies' Date header", async () => {
    const b = davBackend(dav, 'clock/', quick, { url: proxy.via(dav.url) });
    proxy.script({ times: Infinity, action: { type: 'clock', offsetMs: TWENTY_MINUTES } });
    await b.save({ kind: 'lock', name: 'host-1-abc' }, Buffer.from('{}'));
    proxy.clear();
    expect(Math.abs(b.serverClock.offsetMs! - TWENTY_MINUTES)).toBeLessThan(5_000);
    expect(Math.abs(b.serverClock.now().getTime() - (Date.now() + TWENTY_MINUTES))).toBeLessThan(5_000);
  });

  it('a wrong password is remote_auth after one request; neither it nor the Basic header shows anywhere', async () => {
    lines.length = 0;
    const { transport, seen } = counting();
    const password = 'wrong-Pa55word-19a';
    const b = davBackend(dav, 'clock/', { ...quick, transport }, { password });
    const e = await b.save({ kind: 'pack', name: 'cd'.repeat(32) }, Buffer.from('x')).catch((x: Error) => x);
    expect(e).toMatchObject({ code: 'remote_auth' });
    expect(seen).toHaveLength(1);
    const basic = Buffer.from(`${dav.user}:${password}`).toString('base64');
    const all = [String(e), JSON.stringify(e), ...lines, JSON.stringify(b.description)].join('\n');
    expect(all).not.toContain(password);
    expect(all).not.toContain(basic);
  });
});
