// Crypto section of `npm run bench` (`--only crypto`): the encryption building blocks on the
// pages of a real demo database, against what a plain store does with the same pages in the same
// run: HMAC ids against SHA-256 ids, sealing and opening records against deflate level 1 (with
// and without the store's 8 KiB dictionary), and the default scrypt's time with the main
// thread's event-loop delay while it runs (it must run on libuv's pool, not the main thread).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { MiB, ROOT, median, round } from './lib.mjs';
import { buildDemoDatabase, delayMonitor } from './snapshots-bench.mjs';

const require = createRequire(import.meta.url);
const PAGE = 4096;

async function bundleCrypto(dir) {
  const { build } = await import('esbuild');
  const outfile = path.join(dir, 'strata-crypto.cjs');
  await build({
    entryPoints: [path.join(ROOT, 'src-main/crypto/index.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile,
    logLevel: 'warning',
  });
  return require(outfile);
}

/** Best of `runs` timings of fn over all pages: MB/s of page bytes, and µs per page. */
function rate(pages, runs, fn) {
  const times = [];
  for (let r = 0; r < runs; r++) {
    const started = performance.now();
    fn();
    times.push(performance.now() - started);
  }
  const ms = Math.min(...times);
  return { mbPerS: round((pages * PAGE) / MiB / (ms / 1000), 0), usPerPage: round((ms * 1000) / pages, 2) };
}

/** A plain object record (byte 5 = 0), as the page store's codec frames one. */
function frame(codec, rawLength, payload) {
  const r = Buffer.alloc(16 + payload.length);
  r.write('SO', 0, 'latin1');
  r[2] = 1;
  r[4] = codec;
  r.writeUInt32LE(rawLength, 8);
  r.writeUInt32LE(payload.length, 12);
  payload.copy(r, 16);
  return r;
}

export async function run(opts) {
  const log = opts.log ?? ((l) => console.error(l));
  const runs = opts.runs ?? 5;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bench-crypto-'));
  try {
    const c = await bundleCrypto(tmp);
    const dataDir = path.join(tmp, 'data');
    log('building a 32 MiB demo database');
    await buildDemoDatabase(dataDir, 32 * MiB, log);
    const Database = require('better-sqlite3');
    const db = new Database(path.join(dataDir, 'strata.db'));
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const file = fs.readFileSync(path.join(dataDir, 'strata.db'));
    const pages = [];
    for (let at = PAGE; at + PAGE <= file.length; at += PAGE) pages.push(file.subarray(at, at + PAGE));
    const n = pages.length;
    log(`${n} pages of 4 KiB; best of ${runs} runs each`);

    const master = c.MasterSecret.generate();
    const keys = master.keys();
    const hasher = new c.IdHasher(keys.idKey);
    // HMAC's definition, H((K ^ opad) || H((K ^ ipad) || m)), with its buffers kept between pages.
    const scratch = Buffer.alloc(64 + PAGE, 0x36);
    const outer = Buffer.alloc(64 + 32, 0x5c);
    for (let i = 0; i < 32; i++) {
      scratch[i] ^= keys.idKey[i];
      outer[i] ^= keys.idKey[i];
    }
    const sealer = new c.ObjectSealer(keys.dataKey);
    const dict = Buffer.concat([pages[Math.floor(n / 3)], pages[Math.floor((2 * n) / 3)]]);
    const deflated = pages.map((p) => zlib.deflateRawSync(p, { level: 1, dictionary: dict }));
    const records = deflated.map((d) => frame(3, PAGE, Buffer.concat([Buffer.alloc(32), d])));
    const ids = pages.map((p) => hasher.id(p));
    const sealed = records.map((r, i) => sealer.seal(r, ids[i]));
    const storedPerPage = records.reduce((a, r) => a + r.length, 0) / n;

    const figures = {
      'SHA-256 id (crypto.hash, the plain store today)': rate(n, runs, () => {
        for (const p of pages) crypto.hash('sha256', p, 'buffer');
      }),
      'HMAC-SHA256 id (createHmac per page)': rate(n, runs, () => {
        for (const p of pages) c.objectId(keys.idKey, p);
      }),
      'HMAC-SHA256 id (IdHasher: one prepared key)': rate(n, runs, () => {
        for (const p of pages) hasher.id(p);
      }),
      'HMAC-SHA256 by its definition (two one-shot crypto.hash; comparison only)': rate(n, runs, () => {
        for (const p of pages) {
          scratch.set(p, 64);
          outer.set(crypto.hash('sha256', scratch, 'buffer'), 64);
          crypto.hash('sha256', outer, 'buffer');
        }
      }),
      // Not the format (ids are HMAC of the content): for comparison, one hash of the page and a
      // short HMAC over its digest, which costs one large hash instead of two calls per page.
      "HMAC-SHA256 over the page's SHA-256 (comparison only)": rate(n, runs, () => {
        for (const p of pages) c.objectId(keys.idKey, crypto.hash('sha256', p, 'buffer'));
      }),
      'deflate-raw level 1, no dictionary': rate(n, runs, () => {
        for (const p of pages) zlib.deflateRawSync(p, { level: 1 });
      }),
      'deflate-raw level 1 + 8 KiB dictionary (codec 3, the store today)': rate(n, runs, () => {
        for (const p of pages) zlib.deflateRawSync(p, { level: 1, dictionary: dict });
      }),
      'inflate of those (reading a page)': rate(n, runs, () => {
        for (const d of deflated) zlib.inflateRawSync(d, { dictionary: dict });
      }),
      'seal the compressed record (one at a time)': rate(n, runs, () => {
        for (let i = 0; i < n; i++) sealer.seal(records[i], ids[i]);
      }),
      'seal the compressed records (sealBatch of 256)': rate(n, runs, () => {
        for (let i = 0; i < n; i += 256) sealer.sealBatch(records.slice(i, i + 256), ids.slice(i, i + 256));
      }),
      'open the sealed record': rate(n, runs, () => {
        for (let i = 0; i < n; i++) sealer.open(sealed[i], ids[i]);
      }),
      'seal a raw 4 KiB page record (codec 0)': rate(n, runs, () => {
        for (let i = 0; i < n; i++) sealer.seal(frame(0, PAGE, pages[i]), ids[i]);
      }),
    };

    log('scrypt N=2^17 r=8 p=1, three times, with the main thread watched');
    const eld = delayMonitor();
    const scryptMs = [];
    for (let i = 0; i < 3; i++) {
      await eld.around(async () => {
        const started = performance.now();
        await c.scryptKey('a passphrase for the bench', crypto.randomBytes(32), c.DEFAULT_SCRYPT);
        scryptMs.push(performance.now() - started);
      });
    }
    const delay = eld.summary();
    // The same watch over an idle wait as long as one scrypt: what the machine's load alone causes.
    const idle = delayMonitor();
    await idle.around(() => new Promise((resolve) => setTimeout(resolve, median(scryptMs))));
    const idleDelay = idle.summary();

    const rows = Object.entries(figures).map(([what, f]) => [what, f.mbPerS, f.usPerPage]);
    const hmacRatio = round(
      figures['HMAC-SHA256 id (IdHasher: one prepared key)'].usPerPage /
        figures['SHA-256 id (crypto.hash, the plain store today)'].usPerPage,
      2,
    );
    const sealRatio = round(
      figures['seal the compressed record (one at a time)'].usPerPage /
        figures['deflate-raw level 1 + 8 KiB dictionary (codec 3, the store today)'].usPerPage,
      2,
    );
    return {
      pages: n,
      storedBytesPerPage: round(storedPerPage, 0),
      figures,
      ratios: { hmacOverSha256: hmacRatio, sealOverDeflate1Dict: sealRatio },
      scrypt: {
        medianMs: round(median(scryptMs), 0),
        runsMs: scryptMs.map((m) => round(m, 0)),
        eventLoopDelayMs: delay,
      },
      tables: [
        {
          title: `Crypto on ${n} pages of a demo database (4 KiB; MB/s of page bytes; compressed record ${round(storedPerPage, 0)} B on average)`,
          columns: ['operation', 'MB/s', 'µs per page'],
          rows,
          note: `HMAC id / SHA-256 id: ${hmacRatio}×; sealing a compressed page / compressing it (level 1 + dictionary): ${sealRatio}×`,
        },
        {
          title: 'scrypt N=2^17, r=8, p=1 (crypto.scrypt, asynchronous)',
          columns: ['median ms', 'runs ms', 'main-thread ELD p99 ms', 'ELD max ms', 'idle ELD p99 / max ms'],
          rows: [
            [
              round(median(scryptMs), 0),
              scryptMs.map((m) => round(m, 0)).join(', '),
              delay.p99,
              delay.max,
              `${idleDelay.p99} / ${idleDelay.max}`,
            ],
          ],
        },
      ],
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
