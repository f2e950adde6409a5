import { describe, expect, it } from 'vitest';
import { remoteEnv, type Transport } from '../../src-main/remotes/remote-env';
import { S3Backend } from '../../src-main/remotes/s3-backend';

// Where requests go, without a server: a transport that records them and answers a listing.
function recording(): { transport: Transport; urls: string[] } {
  const urls: string[] = [];
  const transport: Transport = async (url) => {
    urls.push(url);
    return new Response('<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>', { status: 200 });
  };
  return { transport, urls };
}

function backend(pathStyle: boolean, transport: Transport, prefix = 'team/laptop/') {
  return new S3Backend({
    endpoint: 'https://s3.eu-central-1.example.com',
    bucket: 'strata-backups',
    prefix,
    region: 'eu-central-1',
    pathStyle,
    credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
    env: remoteEnv({ transport }),
  });
}

describe('S3 addresses', () => {
  it('virtual-hosted and path-style addresses, with the prefix on keys and in listings', async () => {
    const v = recording();
    for await (const _ of backend(false, v.transport).list('manifest', { prefix: 'dev1/' }));
    await backend(false, v.transport)
      .load({ kind: 'index', name: 'ab' }, { offset: 0, length: 1 })
      .catch(() => null);
    expect(v.urls[0]).toBe(
      'https://strata-backups.s3.eu-central-1.example.com/?list-type=2&prefix=team%2Flaptop%2Fmanifests%2Fdev1%2F&max-keys=1000&delimiter=%2F',
    );
    expect(v.urls[1]).toBe('https://strata-backups.s3.eu-central-1.example.com/team/laptop/index/ab.idx');
    const p = recording();
    await backend(true, p.transport)
      .stat({ kind: 'pack', name: 'abcd' })
      .catch(() => null);
    expect(p.urls[0]).toBe('https://s3.eu-central-1.example.com/strata-backups/team/laptop/packs/ab/abcd.pack');
  });

  it('refuses a bad bucket, prefix or endpoint before any request', () => {
    const r = recording();
    expect(() => backend(true, r.transport, '/abs/')).toThrow();
    expect(() => backend(true, r.transport, 'no-slash')).toThrow();
    expect(
      () =>
        new S3Backend({
          endpoint: 'ftp://x',
          bucket: 'b-1',
          prefix: '',
          region: 'r',
          pathStyle: true,
          credentials: async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }),
          env: remoteEnv({ transport: r.transport }),
        }),
    ).toThrow();
    expect(r.urls).toEqual([]);
  });
});
