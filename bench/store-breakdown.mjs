// Where a page store's bytes go: pack bytes per object kind, manifest JSON, index files and
// dictionaries, and how many pages each point changed against the point before it. Read straight
// from the files (the layout in docs/store-format.md), so the figures do not depend on the app.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const KIND_NAMES = { 0: 'page', 1: 'page-id chunk', 2: 'dictionary', 4: 'page list' };

function folderBytes(dir) {
  if (!fs.existsSync(dir)) return { files: 0, bytes: 0 };
  let files = 0;
  let bytes = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      const sub = folderBytes(p);
      files += sub.files;
      bytes += sub.bytes;
    } else {
      files++;
      bytes += fs.statSync(p).size;
    }
  }
  return { files, bytes };
}

/** Every object record of every pack, from the packs' trailers: id -> { kind, codec, record }. */
function readObjects(store) {
  const objects = new Map();
  let trailerBytes = 0;
  const packsDir = path.join(store, 'packs');
  for (const sub of fs.readdirSync(packsDir)) {
    for (const name of fs.readdirSync(path.join(packsDir, sub))) {
      if (!name.endsWith('.pack') || name.startsWith('.')) continue;
      const data = fs.readFileSync(path.join(packsDir, sub, name));
      const n = data.readUInt32LE(data.length - 36);
      const start = data.length - 44 - 40 * n;
      trailerBytes += 44 + 40 * n;
      for (let i = 0; i < n; i++) {
        const at = start + 40 * i;
        const id = data.subarray(at, at + 32).toString('hex');
        const offset = data.readUInt32LE(at + 32);
        const length = data.readUInt32LE(at + 36);
        if (objects.has(id)) continue;
        objects.set(id, {
          kind: data[offset + 3],
          codec: data[offset + 4],
          record: data.subarray(offset, offset + length),
        });
      }
    }
  }
  return { objects, trailerBytes };
}

/** The content of an uncompressed (codec 0) or deflated (codec 1) object; page lists use only these. */
function content(obj) {
  const payload = obj.record.subarray(16);
  if (obj.codec === 0) return payload;
  if (obj.codec === 1) return zlib.inflateRawSync(payload);
  throw new Error(`page-list object with codec ${obj.codec}`);
}

function idsOf(buf) {
  const out = [];
  for (let at = 0; at < buf.length; at += 32) out.push(buf.subarray(at, at + 32).toString('hex'));
  return out;
}

/** The ordered page ids of a format-1 manifest (chunks) or a format-2 one (a page-list chain). */
function pageIdsOf(m, objects, cache) {
  if (m.format === 1) return m.chunks.flatMap((c) => idsOf(content(objects.get(c))));
  return resolveList(m.pageList, objects, cache);
}

function varint(buf, pos) {
  let n = 0;
  for (let scale = 1; ; scale *= 128) {
    const b = buf[pos.at++];
    n += (b & 0x7f) * scale;
    if (b < 0x80) return n;
  }
}

function resolveList(id, objects, cache) {
  if (cache.has(id)) return cache.get(id);
  const buf = content(objects.get(id));
  // Page-list layout: see docs/store-format.md, "Page lists".
  const pageCount = buf.readUInt32LE(4);
  const count = buf.readUInt32LE(8);
  const pos = { at: 12 };
  let ids = [];
  if (buf[1] & 1) {
    ids = resolveList(buf.subarray(12, 44).toString('hex'), objects, cache).slice(0, pageCount);
    pos.at = 44;
  }
  let pgno = 0;
  for (let i = 0; i < count; i++) {
    pgno += varint(buf, pos);
    const deps = varint(buf, pos);
    ids[pgno - 1] = buf.subarray(pos.at, pos.at + 32).toString('hex');
    pos.at += 32 * (1 + deps);
  }
  cache.set(id, ids);
  return ids;
}

export function storeBreakdown(store) {
  const { objects, trailerBytes } = readObjects(store);
  const byKind = {};
  for (const o of objects.values()) {
    const k = `${KIND_NAMES[o.kind] ?? `kind ${o.kind}`}, codec ${o.codec}`;
    byKind[k] ??= { objects: 0, bytes: 0 };
    byKind[k].objects++;
    byKind[k].bytes += o.record.length;
  }
  const manifestsDir = path.join(store, 'manifests');
  const manifests = fs
    .readdirSync(manifestsDir)
    .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
    .map((n) => JSON.parse(fs.readFileSync(path.join(manifestsDir, n), 'utf8')))
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1));
  const cache = new Map();
  const changedPages = [];
  let prev = null;
  for (const m of manifests) {
    const ids = pageIdsOf(m, objects, cache);
    if (prev) {
      let n = 0;
      for (let i = 0; i < ids.length; i++) if (ids[i] !== prev[i]) n++;
      changedPages.push(n);
    }
    prev = ids;
  }
  const sorted = [...changedPages].sort((a, b) => a - b);
  return {
    objectsByKind: byKind,
    packTrailerBytes: trailerBytes,
    packs: folderBytes(path.join(store, 'packs')),
    manifests: folderBytes(manifestsDir),
    index: folderBytes(path.join(store, 'index')),
    dictionaries: folderBytes(path.join(store, 'dictionaries')),
    pageCount: manifests.at(-1)?.pageCount ?? 0,
    changedPagesPerPoint: {
      median: sorted[Math.floor(sorted.length / 2)] ?? 0,
      min: sorted[0] ?? 0,
      max: sorted.at(-1) ?? 0,
    },
  };
}

/** The breakdown as a bench table: bytes per part of the store after all points. */
export function breakdownTable(b, points) {
  const mb = (n) => Math.round((n / 1024 / 1024) * 10) / 10;
  const rows = Object.entries(b.objectsByKind)
    .sort((x, y) => y[1].bytes - x[1].bytes)
    .map(([k, v]) => [`objects: ${k}`, v.objects, mb(v.bytes)]);
  rows.push(['pack trailers (40 B per object + footer)', null, mb(b.packTrailerBytes)]);
  rows.push(['index files', b.index.files, mb(b.index.bytes)]);
  rows.push(['manifests (JSON)', b.manifests.files, mb(b.manifests.bytes)]);
  rows.push(['dictionary files', b.dictionaries.files, mb(b.dictionaries.bytes)]);
  const c = b.changedPagesPerPoint;
  return {
    title: `where the store's bytes go after ${points} points (${b.pageCount} pages; pages changed per point: median ${c.median}, ${c.min}-${c.max})`,
    columns: ['part', 'count', 'MiB'],
    rows,
  };
}
