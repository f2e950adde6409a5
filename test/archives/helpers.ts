import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { StrataDatabase } from '../../src-main/db';
import { dataPaths } from '../../src-main/core/paths';

/** The database of a data folder, opened (and created) the way the app opens it. */
export function openFolder(dir: string): Promise<StrataDatabase> {
  return StrataDatabase.open({ file: dataPaths(dir).database, appVersion: 'test' });
}

/** Every row of the session and message tables, so a test can prove nothing changed. */
export function contentDigest(db: StrataDatabase): string {
  const h = crypto.createHash('sha256');
  for (const table of ['sessions', 'messages', 'settings', 'custom_prompts', 'favorite_actions', 'extension_data']) {
    for (const row of db.connection.prepare(`SELECT * FROM ${table} ORDER BY rowid`).raw(true).iterate()) {
      h.update(JSON.stringify(row) + '\n');
    }
  }
  return h.digest('hex');
}

export interface ArchiveDoc {
  format: unknown;
  version: unknown;
  archived_at: unknown;
  app_version: unknown;
  session: Record<string, unknown>;
  messages: Record<string, unknown>[];
  metadata: Record<string, unknown>;
}

export function readArchive(file: string): ArchiveDoc {
  return JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString('utf8')) as ArchiveDoc;
}

const canonicalSession = (s: Record<string, unknown>) =>
  JSON.stringify({
    id: s.id,
    title: s.title,
    model: s.model,
    created_at: s.created_at,
    updated_at: s.updated_at,
    prompt_tokens: s.prompt_tokens,
    completion_tokens: s.completion_tokens,
    total_tokens: s.total_tokens,
    cost_usd: s.cost_usd,
    starred: s.starred,
    metadata: s.metadata,
  });
const canonicalMessage = (m: Record<string, unknown>) =>
  JSON.stringify({
    id: m.id,
    session_id: m.session_id,
    sequence: m.sequence,
    role: m.role,
    content: m.content,
    token_count: m.token_count,
    created_at: m.created_at,
    metadata: m.metadata,
  });

/** The checksum as docs/archive-format.md defines it (written independently of the app code). */
export function archiveChecksum(doc: ArchiveDoc): string {
  const h = crypto.createHash('sha256');
  h.update(canonicalSession(doc.session) + '\n');
  for (const m of doc.messages) h.update(canonicalMessage(m) + '\n');
  return h.digest('hex');
}

/** Writes a (possibly doctored) archive; by default the checksum is recomputed so only the intended defect remains. */
export function writeArchive(file: string, doc: ArchiveDoc, opts: { rehash?: boolean } = {}): string {
  if (opts.rehash !== false) doc.metadata.content_sha256 = archiveChecksum(doc);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, zlib.gzipSync(Buffer.from(JSON.stringify(doc))));
  return file;
}
