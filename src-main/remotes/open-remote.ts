import { StrataError } from '../core/errors';
import type { Backend, BackendDescription } from '../repository/backend';
import { openBackend } from '../repository/open-backend';
import { FolderBackend } from './folder-backend';
import type { RemoteEnv } from './remote-env';
import { S3Backend, type S3Credentials } from './s3-backend';
import { WebDavBackend } from './webdav-backend';

/**
 * Where a remote's secrets come from: the keychain interface in the thread that opens it. A
 * `BackendDescription` never carries them, so a description can cross to a worker thread, be
 * logged or be shown.
 */
export interface RemoteSecrets {
  s3Credentials?: () => Promise<S3Credentials>;
  webdavPassword?: () => Promise<string>;
}

/** Opens any backend from its description: the local store, a mirror folder, S3 or WebDAV. */
export async function openAnyBackend(d: BackendDescription, secrets: RemoteSecrets, env: RemoteEnv): Promise<Backend> {
  switch (d.type) {
    case 'local':
      return openBackend(d);
    case 'folder':
      return FolderBackend.open(d.root);
    case 's3':
      if (!secrets.s3Credentials)
        throw new StrataError('remote_auth', 'No credentials were given for this S3 storage.');
      return new S3Backend({ ...d, credentials: secrets.s3Credentials, env });
    case 'webdav':
      if (!secrets.webdavPassword)
        throw new StrataError('remote_auth', 'No password was given for this WebDAV storage.');
      return new WebDavBackend({ url: d.url, user: d.user, password: secrets.webdavPassword, env });
  }
}
