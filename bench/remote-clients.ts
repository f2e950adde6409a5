/**
 * The client measurement behind the choice of aws4fetch + fetch for S3 and plain fetch for
 * WebDAV (see docs/remote-format.md, "Clients"). Compares, against the same local servers in the
 * same run: Strata's S3Backend (aws4fetch signer) with @aws-sdk/client-s3, and Strata's
 * WebDavBackend with the `webdav` package. The candidates that were not chosen are not
 * dependencies: install them in a scratch folder and pass it:
 *
 *   mkdir /tmp/cands && cd /tmp/cands && npm init -y && npm i @aws-sdk/client-s3 webdav
 *   node bench/remote-clients.mjs --candidates /tmp/cands
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { S3Backend } from '../src-main/remotes/s3-backend';
import { WebDavBackend } from '../src-main/remotes/webdav-backend';
import { remoteEnv } from '../src-main/remotes/remote-env';
import { startApache } from '../test/helpers/servers/apache';
import { startS3rver } from '../test/helpers/servers/s3rver';
import { seededBytes } from '../test/helpers/seeded-random';

const candidates = process.argv[process.argv.indexOf('--candidates') + 1] ?? '';
const need = createRequire(path.join(candidates, 'package.json'));
const BIG = 4 << 20;
const bigBody = seededBytes(1, BIG);
const hex = (i: number) => i.toString(16).padStart(64, '0');
// Each of our uploads takes a new name (immutable files are never written twice); reads use the first ten.
let seq = 0;

type Task = [label: string, count: number, bytes: number, fn: (i: number) => Promise<unknown>];
const timed = (label: string, count: number, bytes: number, fn: (i: number) => Promise<unknown>): Task => [
  label,
  count,
  bytes,
  fn,
];

/**
 * Runs tasks in pairs (ours, theirs), three rounds, the pair's order swapped each round so
 * neither side always meets a cold server; reports each task's median round.
 */
async function rounds(tasks: Task[]) {
  const seconds = new Map<string, number[]>();
  for (let round = 0; round < 3; round++) {
    for (let p = 0; p < tasks.length; p += 2) {
      const pair = round % 2 ? [tasks[p + 1]!, tasks[p]!] : [tasks[p]!, tasks[p + 1]!];
      for (const [label, count, , fn] of pair) {
        const t0 = performance.now();
        for (let i = 0; i < count; i++) await fn(i);
        seconds.set(label, [...(seconds.get(label) ?? []), (performance.now() - t0) / 1000]);
      }
    }
  }
  return tasks.map(([label, count, bytes]) => {
    const s = seconds.get(label)!.sort((a, b) => a - b)[1]!;
    return {
      label,
      perSecond: +(count / s).toFixed(1),
      mbPerSecond: bytes ? +((count * bytes) / s / 1e6).toFixed(1) : null,
    };
  });
}

function coldImport(spec: string, esm: boolean): number {
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const code = esm
      ? `const t=performance.now();await import(${JSON.stringify(spec)});console.log(performance.now()-t)`
      : `const t=performance.now();require(${JSON.stringify(spec)});console.log(performance.now()-t)`;
    const out = execFileSync(process.execPath, esm ? ['--input-type=module', '-e', code] : ['-e', code], {
      encoding: 'utf8',
    });
    runs.push(Number(out.trim()));
  }
  runs.sort((a, b) => a - b);
  return +runs[2]!.toFixed(1);
}

/** The main thread's event-loop delay (p99 and max, ms) while `fn` runs. */
async function loopDelay(label: string, fn: () => Promise<void>) {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  await fn();
  h.disable();
  return { label, eventLoopP99Ms: +(h.percentile(99) / 1e6).toFixed(1), eventLoopMaxMs: +(h.max / 1e6).toFixed(1) };
}

async function main() {
  const rows: unknown[] = [];
  const s3Path = need.resolve('@aws-sdk/client-s3');
  const davPath = pathToFileURL(path.join(candidates, 'node_modules/webdav/dist/node/index.js')).href;
  rows.push({
    coldImportMs: {
      aws4fetch: coldImport(require.resolve('aws4fetch'), false),
      sax: coldImport(require.resolve('sax'), false),
      '@aws-sdk/client-s3': coldImport(s3Path, false),
      webdav: coldImport(davPath, true),
    },
  });

  const s3 = await startS3rver('bench');
  const dav = await startApache();
  try {
    const env = remoteEnv({ transport: (u, i) => fetch(u, i) });
    const ours = new S3Backend({
      endpoint: s3.endpoint,
      bucket: s3.bucket,
      prefix: 'ours/',
      region: s3.region,
      pathStyle: true,
      credentials: async () => ({ accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }),
      env,
    });
    const { S3Client, PutObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } = need(s3Path);
    const sdk = new S3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    });
    const k = (i: number) => `sdk/packs/${hex(i)}.pack`;
    const s3rows = await rounds([
      timed('S3 ours: 4 MiB PUT (+HEAD check)', 10, BIG, () =>
        ours.save({ kind: 'pack', name: hex(seq++ % 1000) }, bigBody),
      ),
      timed('S3 sdk: 4 MiB PUT', 10, BIG, (i) =>
        sdk.send(new PutObjectCommand({ Bucket: s3.bucket, Key: k(i), Body: bigBody, ChecksumAlgorithm: 'SHA256' })),
      ),
      timed('S3 ours: 4 MiB GET', 10, BIG, (i) => ours.load({ kind: 'pack', name: hex(i) })),
      timed('S3 sdk: 4 MiB GET', 10, BIG, async (i) => {
        const r = await sdk.send(new GetObjectCommand({ Bucket: s3.bucket, Key: k(i) }));
        await r.Body.transformToByteArray();
      }),
      timed('S3 ours: small GET (4 KiB range)', 200, 4096, (i) =>
        ours.load({ kind: 'pack', name: hex(i % 10) }, { offset: 0, length: 4096 }),
      ),
      timed('S3 sdk: small GET (4 KiB range)', 200, 4096, async (i) => {
        const r = await sdk.send(new GetObjectCommand({ Bucket: s3.bucket, Key: k(i % 10), Range: 'bytes=0-4095' }));
        await r.Body.transformToByteArray();
      }),
      timed('S3 ours: HEAD', 200, 0, (i) => ours.stat({ kind: 'pack', name: hex(i % 10) })),
      timed('S3 sdk: HEAD', 200, 0, (i) => sdk.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: k(i % 10) }))),
      timed('S3 ours: LIST (10 keys)', 50, 0, async () => {
        for await (const _ of ours.list('pack'));
      }),
      timed('S3 sdk: LIST (10 keys)', 50, 0, () =>
        sdk.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'sdk/packs/' })),
      ),
    ]);
    rows.push(...s3rows);
    rows.push(
      // The machine's own share: the same measure while this process does nothing.
      await loopDelay('idle, 3 s (baseline)', () => new Promise((resolve) => setTimeout(resolve, 3000))),
      await loopDelay('S3 ours: 20 × 4 MiB PUT + GET', async () => {
        for (let i = 0; i < 20; i++) {
          await ours.save({ kind: 'pack', name: hex(2000 + i) }, bigBody);
          await ours.load({ kind: 'pack', name: hex(2000 + i) });
        }
      }),
    );

    const auth = 'Basic ' + Buffer.from(`${dav.user}:${dav.password}`).toString('base64');
    await fetch(dav.url + 'ours/', { method: 'MKCOL', headers: { authorization: auth } });
    await fetch(dav.url + 'lib/', { method: 'MKCOL', headers: { authorization: auth } });
    const davOurs = new WebDavBackend({
      url: dav.url + 'ours/',
      user: dav.user,
      password: async () => dav.password,
      env,
    });
    const { createClient } = await import(davPath);
    const lib = createClient(dav.url + 'lib/', { username: dav.user, password: dav.password });
    rows.push(
      ...(await rounds([
        timed('WebDAV ours: 4 MiB PUT (temp, size check, MOVE)', 10, BIG, () =>
          davOurs.save({ kind: 'pack', name: hex(1000 + seq++) }, bigBody),
        ),
        timed('WebDAV webdav: 4 MiB PUT (putFileContents)', 10, BIG, (i) =>
          lib.putFileContents(`${hex(i)}.pack`, bigBody),
        ),
        timed('WebDAV ours: 4 MiB GET', 10, BIG, (i) => davOurs.load({ kind: 'pack', name: hex(1000 + 30 + i) })),
        timed('WebDAV webdav: 4 MiB GET', 10, BIG, (i) => lib.getFileContents(`${hex(i)}.pack`)),
        timed('WebDAV ours: small GET (4 KiB range)', 200, 4096, (i) =>
          davOurs.load({ kind: 'pack', name: hex(1000 + 30 + (i % 10)) }, { offset: 0, length: 4096 }),
        ),
        timed('WebDAV webdav: small GET (4 KiB range)', 200, 4096, (i) =>
          lib.getFileContents(`${hex(i % 10)}.pack`, { headers: { range: 'bytes=0-4095' } }),
        ),
        timed('WebDAV ours: stat (PROPFIND 0)', 200, 0, (i) =>
          davOurs.stat({ kind: 'pack', name: hex(1000 + 30 + (i % 10)) }),
        ),
        timed('WebDAV webdav: stat', 200, 0, (i) => lib.stat(`${hex(i % 10)}.pack`)),
        timed('WebDAV ours: LIST (10 files, 11 folders)', 50, 0, async () => {
          for await (const _ of davOurs.list('pack'));
        }),
        timed('WebDAV webdav: LIST (10 files, 1 folder)', 50, 0, () => lib.getDirectoryContents('/')),
      ])),
      await loopDelay('WebDAV ours: 20 × 4 MiB PUT + GET', async () => {
        for (let i = 0; i < 20; i++) {
          await davOurs.save({ kind: 'pack', name: hex(3000 + i) }, bigBody);
          await davOurs.load({ kind: 'pack', name: hex(3000 + i) });
        }
      }),
    );
  } finally {
    await s3.stop();
    await dav.stop();
  }
  console.log(JSON.stringify(rows, null, 1));
}

void main();
