#!/usr/bin/env node
// Rebuilds a point in time from a Strata page store into a plain SQLite file, with nothing but
// Node. Written from docs/store-format.md alone; it shares no code with the app on purpose, so a
// bug in the app's reader cannot hide here too.
//
//   node scripts/recover.mjs --store <data>/backups/store --list
//   node scripts/recover.mjs --store <data>/backups/store --point <id> --out recovered.db
//
// Every object is checked against its SHA-256 name. Pack locations come from the packs' own
// trailers (the index files are only a cache), or from walking a pack's objects when its
// trailer is damaged.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const sha256 = (b) => crypto.createHash('sha256').update(b).digest();

function fail(message) {
  process.stderr.write(`recover: ${message}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const args = { store: null, point: null, out: null, list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--list') args.list = true;
    else if (a === '--store' || a === '--point' || a === '--out') args[a.slice(2)] = argv[++i];
    else fail(`unknown argument ${a}`);
  }
  if (!args.store) fail('--store DIR is required');
  return args;
}

function canonicalJson(v) {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const keys = Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

function readManifest(store, id) {
  const m = JSON.parse(fs.readFileSync(path.join(store, 'manifests', `${id}.json`), 'utf8'));
  const { checksum, ...rest } = m;
  if (m.format !== 1 && m.format !== 2) throw new Error(`unknown manifest format ${m.format}`);
  if (sha256(Buffer.from(canonicalJson(rest), 'utf8')).toString('hex') !== checksum) {
    throw new Error('manifest checksum mismatch');
  }
  if (m.format === 1 && m.chunks.length !== Math.ceil(m.pageCount / m.chunkSize)) {
    throw new Error('chunk count does not fit');
  }
  if (m.format === 2 && !/^[0-9a-f]{64}$/.test(m.pageList)) throw new Error('page list id is malformed');
  return m;
}

function listManifests(store) {
  const dir = path.join(store, 'manifests');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
    .map((n) => n.slice(0, -5))
    .sort();
}

/**
 * One object record: 16-byte header, payload. Returns the content, or null when damaged.
 * `dictionary(id)` and `base(id)` give a dictionary (codec 3) or a base object's content (codec 4).
 */
function decodeRecord(rec, expectedId, dictionary = () => null, base = () => null) {
  if (rec.length < 16 || rec[0] !== 0x53 || rec[1] !== 0x4f || rec[2] !== 1) return null;
  const codec = rec[4];
  const encryption = rec[5];
  const rawLength = rec.readUInt32LE(8);
  const storedLength = rec.readUInt32LE(12);
  if (encryption !== 0 || 16 + storedLength !== rec.length) return null;
  const payload = rec.subarray(16);
  let content;
  try {
    if (codec === 0) content = payload;
    else if (codec === 1) content = zlib.inflateRawSync(payload);
    else if (codec === 2 && typeof zlib.zstdDecompressSync === 'function') content = zlib.zstdDecompressSync(payload);
    else if (codec === 3 && payload.length >= 32) {
      const dict = dictionary(payload.subarray(0, 32).toString('hex'));
      if (!dict) return null;
      content = zlib.inflateRawSync(payload.subarray(32), { dictionary: dict });
    } else if (codec === 4 && payload.length >= 32) {
      const from = base(payload.subarray(0, 32).toString('hex'));
      if (!from) return null;
      content = zlib.inflateRawSync(payload.subarray(32), { dictionary: from });
    } else return null;
  } catch {
    return null;
  }
  if (content.length !== rawLength) return null;
  if (expectedId && sha256(content).toString('hex') !== expectedId) return null;
  return content;
}

function fileDictionary(store, id) {
  try {
    const file = fs.readFileSync(path.join(store, 'dictionaries', `${id}.dict`));
    return sha256(file).toString('hex') === id ? file : null;
  } catch {
    return null;
  }
}

/** Object id -> list of {file, offset, length}, from every pack's trailer (or a walk of its objects). */
function locateObjects(store, deferred) {
  const where = new Map();
  const add = (id, loc) => where.set(id, [...(where.get(id) ?? []), loc]);
  const packsDir = path.join(store, 'packs');
  if (!fs.existsSync(packsDir)) return where;
  for (const sub of fs.readdirSync(packsDir)) {
    const dir = path.join(packsDir, sub);
    if (!/^[0-9a-f]{2}$/.test(sub) || !fs.statSync(dir).isDirectory()) continue;
    for (const name of fs.readdirSync(dir)) {
      if (!name.endsWith('.pack') || name.startsWith('.')) continue;
      const file = path.join(dir, name);
      const data = fs.readFileSync(file);
      let entries = null;
      if (data.length >= 44 && data.subarray(data.length - 44, data.length - 40).toString('latin1') === 'STPK') {
        const n = data.readUInt32LE(data.length - 36);
        const start = data.length - 44 - 40 * n;
        if (start >= 0) {
          entries = [];
          for (let i = 0; i < n; i++) {
            const at = start + 40 * i;
            entries.push({
              id: data.subarray(at, at + 32).toString('hex'),
              offset: data.readUInt32LE(at + 32),
              length: data.readUInt32LE(at + 36),
            });
          }
        }
      }
      // A pack whose checksum fails may have a damaged trailer: walk its objects as well.
      const intact =
        data.length >= 44 && sha256(data.subarray(0, data.length - 32)).equals(data.subarray(data.length - 32));
      if (!entries || !intact) {
        entries = entries ?? [];
        for (let at = 0; at + 16 <= data.length;) {
          const length = 16 + data.readUInt32LE(at + 12);
          const rec = data.subarray(at, at + length);
          const content = at + length <= data.length ? decodeRecord(rec, null, (d) => fileDictionary(store, d)) : null;
          // A well-framed record stored against a base (codec 4): named once the rest is located.
          const framed = rec.length >= 16 && rec[0] === 0x53 && rec[1] === 0x4f && rec[2] === 1;
          if (!content && at + length <= data.length && framed && rec[4] === 4) {
            deferred.push({ file, offset: at, length });
          } else if (!content) break;
          else entries.push({ id: sha256(content).toString('hex'), offset: at, length });
          at += length;
        }
      }
      for (const e of entries) add(e.id, { file, offset: e.offset, length: e.length });
    }
  }
  return where;
}

class Objects {
  constructor(store) {
    this.store = store;
    const deferred = [];
    this.where = locateObjects(store, deferred);
    this.cache = new Map();
    this.dicts = new Map();
    // Records found by walking a damaged pack whose base was not located yet: name them now.
    for (let progress = true; progress && deferred.length;) {
      progress = false;
      for (const loc of deferred.splice(0)) {
        const content = decodeRecord(
          this.bytes(loc),
          null,
          (d) => this.dictionary(d),
          (b) => this.tryRead(b),
        );
        if (!content) deferred.push(loc);
        else {
          const id = sha256(content).toString('hex');
          this.where.set(id, [...(this.where.get(id) ?? []), loc]);
          progress = true;
        }
      }
    }
  }
  bytes(loc) {
    let data = this.cache.get(loc.file);
    if (!data) {
      if (this.cache.size >= 8) this.cache.delete(this.cache.keys().next().value);
      data = fs.readFileSync(loc.file);
      this.cache.set(loc.file, data);
    }
    return loc.offset + loc.length > data.length ? null : data.subarray(loc.offset, loc.offset + loc.length);
  }
  tryRead(id, depth = 0) {
    try {
      return this.read(id, depth);
    } catch {
      return null;
    }
  }
  /** A dictionary from dictionaries/<id>.dict, or its copy stored as a raw object in a pack. */
  dictionary(id) {
    if (this.dicts.has(id)) return this.dicts.get(id);
    let data = fileDictionary(this.store, id);
    if (!data) {
      try {
        data = this.read(id);
      } catch {
        data = null;
      }
    }
    this.dicts.set(id, data);
    return data;
  }
  read(id, depth = 0) {
    if (depth > 64) throw new Error(`object ${id} has a base chain that does not end`);
    for (const loc of this.where.get(id) ?? []) {
      const rec = this.bytes(loc);
      if (!rec) continue;
      const content = decodeRecord(
        rec,
        id,
        (d) => this.dictionary(d),
        (b) => this.tryRead(b, depth + 1),
      );
      if (content) return content;
    }
    throw new Error(`object ${id} is missing or damaged in every copy`);
  }
}

/** Reads a LEB128 unsigned number at `pos.at`. */
function varint(buf, pos) {
  let n = 0;
  for (let scale = 1; ; scale *= 128) {
    if (pos.at >= buf.length || scale > 2 ** 35) throw new Error('page list is cut short');
    const b = buf[pos.at++];
    n += (b & 0x7f) * scale;
    if (b < 0x80) return n;
  }
}

/** The page ids of a format-2 page list, applied onto its base lists (kind 4, version 1). */
function pageListIds(objects, listId) {
  const chain = [];
  for (let id = listId; id;) {
    if (chain.length > 4096 || chain.some((c) => c.id === id)) throw new Error('page list chain does not end');
    const buf = objects.read(id);
    if (buf.length < 12 || buf[0] !== 1) throw new Error(`page list ${id} has an unknown version`);
    const delta = (buf[1] & 1) === 1;
    const list = { id, buf, pageCount: buf.readUInt32LE(4), count: buf.readUInt32LE(8), at: 12, base: null };
    if (delta) {
      list.base = buf.subarray(12, 44).toString('hex');
      list.at = 44;
    }
    chain.push(list);
    id = list.base;
  }
  let ids = [];
  for (const list of chain.reverse()) {
    ids = ids.slice(0, list.pageCount);
    ids.length = list.pageCount;
    const pos = { at: list.at };
    let pgno = 0;
    for (let i = 0; i < list.count; i++) {
      pgno += varint(list.buf, pos);
      const deps = varint(list.buf, pos);
      if (pgno < 1 || pgno > list.pageCount || pos.at + 32 * (1 + deps) > list.buf.length) {
        throw new Error(`page list ${list.id} is damaged`);
      }
      ids[pgno - 1] = list.buf.subarray(pos.at, pos.at + 32).toString('hex');
      pos.at += 32 * (1 + deps); // the bases are for garbage collection; decoding finds them itself
    }
  }
  for (let i = 0; i < ids.length; i++) if (!ids[i]) throw new Error(`page list names no page ${i + 1}`);
  return ids;
}

function recover(store, id, out) {
  const m = readManifest(store, id);
  const objects = new Objects(store);
  const ids = [];
  if (m.format === 2) ids.push(...pageListIds(objects, m.pageList));
  else {
    for (const c of m.chunks) {
      const chunk = objects.read(c);
      for (let at = 0; at < chunk.length; at += 32) ids.push(chunk.subarray(at, at + 32).toString('hex'));
    }
  }
  if (ids.length !== m.pageCount) throw new Error(`chunks list ${ids.length} pages, manifest says ${m.pageCount}`);
  const tmp = path.join(path.dirname(path.resolve(out)), `.${path.basename(out)}.${process.pid}.tmp`);
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    ids.forEach((pid, i) => {
      const page = objects.read(pid);
      if (page.length !== m.pageSize) throw new Error(`page ${i + 1} has the wrong size`);
      let done = 0;
      while (done < page.length) done += fs.writeSync(fd, page, done, page.length - done, i * m.pageSize + done);
    });
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, out);
  return m;
}

const args = parseArgs(process.argv.slice(2));
if (args.list || !args.point) {
  for (const id of listManifests(args.store)) {
    try {
      const m = readManifest(args.store, id);
      process.stdout.write(`${id}\t${m.createdAt}\t${m.pageCount * m.pageSize} bytes\t${m.meta?.label ?? ''}\n`);
    } catch (e) {
      process.stdout.write(`${id}\tDAMAGED: ${e.message}\n`);
    }
  }
  process.exit(0);
}
if (!args.out) fail('--out FILE is required with --point');
try {
  const m = recover(args.store, args.point, args.out);
  process.stdout.write(`wrote ${args.out}: ${m.pageCount} pages of ${m.pageSize} bytes\n`);
} catch (e) {
  fail(e.message);
}
