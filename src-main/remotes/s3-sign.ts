import { AwsV4Signer } from 'aws4fetch';
import type { S3Credentials } from './s3-backend';

/**
 * Signs one S3 request (SigV4, header form) with aws4fetch's signer, at a given time: the
 * server's once it is known to differ from ours. The payload hash travels in
 * `x-amz-content-sha256`, computed by the caller (so the signer never reads the body).
 */
export async function signS3(
  method: string,
  url: URL,
  headers: Record<string, string>,
  creds: S3Credentials,
  region: string,
  at: Date,
): Promise<{ url: string; headers: Record<string, string> }> {
  const signed = await new AwsV4Signer({
    method,
    url: url.toString(),
    headers,
    body: undefined,
    accessKeyId: creds.accessKeyId,
    secretAccessKey: creds.secretAccessKey,
    sessionToken: creds.sessionToken,
    service: 's3',
    region,
    datetime: at.toISOString().replace(/[:-]|\.\d{3}/g, ''),
  }).sign();
  const plain: Record<string, string> = {};
  signed.headers.forEach((v, k) => (plain[k] = v));
  return { url: signed.url.toString(), headers: plain };
}
