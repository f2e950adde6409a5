import { describe, expect, it } from 'vitest';
import { startApache, type DavServer } from '../helpers/servers/apache';
import { apacheAvailability, rcloneAvailability, s3rverAvailability } from '../helpers/servers/availability';
import { startRclone } from '../helpers/servers/rclone';
import { s3Backend } from '../helpers/servers/remote-targets';
import { startS3rver } from '../helpers/servers/s3rver';

// What the real test servers do with "only if absent", checked rather than assumed: the
// backends' `honoursIfAbsent` and the docs rest on it.
async function putTwice(dav: DavServer): Promise<number> {
  const auth = 'Basic ' + Buffer.from(`${dav.user}:${dav.password}`).toString('base64');
  const first = await fetch(dav.url + 'x.txt', { method: 'PUT', body: 'one', headers: { authorization: auth } });
  expect(first.status).toBe(201);
  const second = await fetch(dav.url + 'x.txt', {
    method: 'PUT',
    body: 'two',
    headers: { authorization: auth, 'if-none-match': '*' },
  });
  return second.status;
}

describe('the test servers', () => {
  it.skipIf(apacheAvailability().missing)('Apache honours If-None-Match: *', async () => {
    const s = await startApache();
    try {
      expect(await putTwice(s)).toBe(412);
    } finally {
      await s.stop();
    }
  });
  it.skipIf(rcloneAvailability().missing)('rclone ignores If-None-Match: *', async () => {
    const s = await startRclone();
    try {
      expect([200, 201, 204]).toContain(await putTwice(s));
    } finally {
      await s.stop();
    }
  });
  it.skipIf(s3rverAvailability().missing)(
    's3rver ignores If-None-Match: * (the S3 backend does not count on it)',
    async () => {
      const s = await startS3rver();
      try {
        const b = s3Backend(s, 'inm/');
        await b.save({ kind: 'pack', name: 'ab'.repeat(32) }, Buffer.from('one'));
        await b.save({ kind: 'pack', name: 'ab'.repeat(32) }, Buffer.from('two'));
        expect((await b.load({ kind: 'pack', name: 'ab'.repeat(32) })).toString()).toBe('two');
        expect(b.honoursIfAbsent).toBe(false);
      } finally {
        await s.stop();
      }
    },
  );
});
