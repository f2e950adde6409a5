// Runs s3rver in its own process (started by test/helpers/servers/s3rver.ts with
// NODE_OPTIONS=--openssl-legacy-provider: its ListObjectsV2 continuation tokens use DES, which
// Node 17+ refuses without the legacy provider, and it would answer 500).
// argv: <directory> <bucket>. Prints one JSON line {"port": N} once it listens on 127.0.0.1.
'use strict';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain CommonJS child script
const S3rver = require('s3rver');

const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  configureBuckets: [{ name: bucket }],
});
server.run().then(
  (addr) => process.stdout.write(JSON.stringify({ port: addr.port }) + '\n'),
  (err) => {
    process.stderr.write(String(err && err.stack ? err.stack : err) + '\n');
    process.exit(1);
  },
);
// Ends with the test process that started it, even one killed without cleaning up.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 1000).unref();
process.on('SIGTERM', () => {
  server.close().finally(() => process.exit(0));
});
