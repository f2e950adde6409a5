import { describe, expect, it } from 'vitest';
import { startApache } from '../helpers/servers/apache';
import { startRclone } from '../helpers/servers/rclone';
import { startS3rver } from '../helpers/servers/s3rver';

describe('test servers start', () => {
  it('apache', async () => {
    const s = await startApache();
    const auth = 'Basic ' + Buffer.from(`${s.user}:${s.password}`).toString('base64');
    const r = await fetch(s.url + 'x.txt', { method: 'PUT', body: 'hi', headers: { authorization: auth } });
    expect(r.status).toBe(201);
    const r2 = await fetch(s.url + 'x.txt', { method: 'PUT', body: 'hi', headers: { authorization: auth, 'if-none-match': '*' } });
    expect(r2.status).toBe(412);
    await s.stop();
  });
  it('rclone', async () => {
    const s = await startRclone();
    const auth = 'Basic ' + Buffer.from(`${s.user}:${s.password}`).toString('base64');
    const r = await fetch(s.url + 'x.txt', { method: 'PUT', body: 'hi', headers: { authorization: auth } });
    expect(r.status).toBe(201);
    await s.stop();
  });
  it('s3rver', async () => {
    const s = await startS3rver();
    const r = await fetch(`${s.endpoint}/${s.bucket}?list-type=2`);
    expect(r.status).toBe(200);
    await s.stop();
  });
});
