import fs from 'node:fs';
import path from 'node:path';
import { S3Backend } from '../../../src-main/remotes/s3-backend';
import { WebDavBackend } from '../../../src-main/remotes/webdav-backend';
import { remoteEnv, type RemoteEnvInput } from '../../../src-main/remotes/remote-env';
import type { DavServer } from './apache';
import type { S3Server } from './s3rver';

/** Every file under a folder, as `/`-separated paths relative to it. */
export function walk(dir: string, rel = ''): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
    const r = rel ? `${rel}/${d.name}` : d.name;
    if (d.isDirectory()) out.push(...walk(path.join(dir, d.name), r));
    else out.push(r);
  }
  return out;
}

/** Node's fetch as the transport (the CLI's and host's), or another for the proxy. */
export const nodeFetch = (url: string, init: RequestInit) => fetch(url, init);

export function s3Backend(
  s3: S3Server,
  prefix: string,
  env: Partial<RemoteEnvInput> = {},
  extra: { endpoint?: string; accessKeyId?: string; secret?: string; listPageSize?: number } = {},
): S3Backend {
  return new S3Backend({
    endpoint: extra.endpoint ?? s3.endpoint,
    bucket: s3.bucket,
    prefix,
    region: s3.region,
    pathStyle: true,
    credentials: async () => ({
      accessKeyId: extra.accessKeyId ?? s3.accessKeyId,
      secretAccessKey: extra.secret ?? s3.secretAccessKey,
    }),
    env: remoteEnv({ transport: nodeFetch, ...env }),
    listPageSize: extra.listPageSize,
  });
}

/** The keys s3rver holds under a prefix (it stores `<key>._S3rver_object` and metadata beside). */
export function s3Behind(s3: S3Server, prefix: string): string[] {
  return walk(path.join(s3.directory, s3.bucket, prefix))
    .filter((k) => k.endsWith('._S3rver_object'))
    .map((k) => k.slice(0, -'._S3rver_object'.length));
}

export function davBackend(
  dav: DavServer,
  sub: string,
  env: Partial<RemoteEnvInput> = {},
  extra: { url?: string; password?: string } = {},
): WebDavBackend {
  return new WebDavBackend({
    url: (extra.url ?? dav.url) + sub,
    user: dav.user,
    password: async () => extra.password ?? dav.password,
    env: remoteEnv({ transport: nodeFetch, ...env }),
  });
}

/** Makes a collection on the server itself (the store's root, which the backend expects). */
export async function mkcol(dav: DavServer, sub: string): Promise<void> {
  const auth = 'Basic ' + Buffer.from(`${dav.user}:${dav.password}`).toString('base64');
  const r = await fetch(dav.url + sub, { method: 'MKCOL', headers: { authorization: auth } });
  if (r.status !== 201) throw new Error(`MKCOL ${sub}: HTTP ${r.status}`);
}
