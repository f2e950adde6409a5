import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startChild } from './child';

/** A real S3 server (s3rver) on 127.0.0.1, with one bucket, in its own temp folder. */
export interface S3Server {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Where s3rver keeps the objects (to look behind the client's back). */
  directory: string;
  stop(): Promise<void>;
}

export async function startS3rver(bucket = 'strata-test'): Promise<S3Server> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-s3rver-'));
  const env = { ...process.env, NODE_OPTIONS: '--openssl-legacy-provider' };
  try {
    const { running, match } = await startChild(
      process.execPath,
      [path.join(__dirname, 's3rver-child.cjs'), directory, bucket],
      { env },
      /\{"port":(\d+)\}/,
    );
    return {
      endpoint: `http://127.0.0.1:${match![1]}`,
      bucket,
      region: 'us-east-1',
      // s3rver's built-in account; it checks every signature against this secret.
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      directory,
      async stop() {
        await running.stop();
        fs.rmSync(directory, { recursive: true, force: true });
      },
    };
  } catch (e) {
    fs.rmSync(directory, { recursive: true, force: true });
    throw e;
  }
}
