import fs from 'node:fs'; import zlib from 'node:zlib';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { Gunzip } = require('fflate');
const buf = fs.readFileSync('/tmp/abench/out.json.gz');
for (const CH of [65536, 262144, 1<<20]) {
let t = performance.now(); let n = 0; const g = new Gunzip((d) => { n += d.length; });
for (let i = 0; i < buf.length; i += CH) g.push(buf.subarray(i, i + CH), i + CH >= buf.length);
console.log('fflate', CH, (performance.now() - t).toFixed(0), n);
}
let t = performance.now(); const out = zlib.gunzipSync(buf); console.log('zlib', (performance.now() - t).toFixed(0));
t = performance.now(); zlib.crc32(out); console.log('crc', (performance.now() - t).toFixed(0));
t = performance.now(); const td = new TextDecoder('utf-8', { fatal: true }); let c = 0; for (let i = 0; i < out.length; i += 65536) c += td.decode(out.subarray(i, i + 65536), { stream: true }).length; console.log('decode', (performance.now() - t).toFixed(0));
t = performance.now(); c = 0; for (let i = 0; i < out.length; i += 65536) c += out.toString('utf8', i, i+65536).length; console.log('toString', (performance.now() - t).toFixed(0));
