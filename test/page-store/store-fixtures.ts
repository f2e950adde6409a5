import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StrataDatabase } from '../../src-main/db/strata-database';
import { generateDemoData, seededRandom } from '../../src-main/db/demo-data';
import { PageStore, readDatabasePages, type Manifest, type ManifestMeta } from '../../src-main/page-store';

export { seededRandom };

/** A demo database (the app's own schema and generator), checkpointed into one file. */
export async function makeDemoDb(
  file: string,
  sessions: number,
  messagesPerSession: number,
  seed = 1,
): Promise<string> {
  const db = await StrataDatabase.open({ file, appVersion: 'test', now: () => Date.UTC(2026, 0, 1) });
  generateDemoData(db.connection, { sessions, messagesPerSession, seed, now: Date.UTC(2026, 0, 1) });
  db.close();
  return file;
}

export function meta(extra: Partial<ManifestMeta> = {}): ManifestMeta {
  return {
    schemaVersion: 1,
    appVersion: 'test',
    counts: {},
    tiers: ['auto'],
    label: null,
    pinned: false,
    check: { status: 'unchecked', at: null, method: null, problems: [] },
    ...extra,
  };
}

/** Takes one point of the live database, the way the snapshot engine will. */
export async function takePoint(
  store: PageStore,
  dbFile: string,
  id: string,
  previous?: Manifest,
  layout: 'list' | 'chunks' = 'list',
): Promise<Manifest> {
  const pages = await readDatabasePages(dbFile, { scratchDir: path.dirname(dbFile) });
  const writer = await store.beginWrite('test');
  try {
    const stored = await writer.putPages(pages, { ...(previous ? { previous } : {}), layout });
    return writer.commitManifest(stored, { id, meta: meta() });
  } finally {
    pages.close();
    writer.close();
  }
}

export function integrityCheck(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    return (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
  } finally {
    db.close();
  }
}

export function rowCounts(file: string): Record<string, number> {
  const db = new Database(file, { readonly: true });
  try {
    const out: Record<string, number> = {};
    for (const t of ['sessions', 'messages']) {
      out[t] = (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    }
    return out;
  } finally {
    db.close();
  }
}

/**
 * Realistic work between two points: new messages at the end of recent sessions, a few edits of
 * older messages, a few deletions. Seeded, so a run can be replayed.
 */
export function churn(file: string, rand: () => number, newMessages: number, edits: number, deletes: number): void {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    const sessions = db.prepare('SELECT id FROM sessions ORDER BY updated_at DESC LIMIT 5').all() as { id: string }[];
    const ids = db.prepare('SELECT rowid AS r FROM messages').all() as { r: number }[];
    const insert = db.prepare(
      `INSERT INTO messages (id, session_id, sequence, role, content, token_count, created_at)
       VALUES (?, ?, (SELECT coalesce(max(sequence), 0) + 1 FROM messages WHERE session_id = ?), 'user', ?, 10, ?)`,
    );
    const text = () =>
      Array.from({ length: 40 + Math.floor(rand() * 300) }, () => Math.floor(rand() * 1e6).toString(36)).join(' ');
    db.transaction(() => {
      for (let i = 0; i < newMessages; i++) {
        const s = sessions[Math.floor(rand() * sessions.length)]!.id;
        insert.run(`n-${Math.floor(rand() * 2 ** 48).toString(16)}-${i}`, s, s, text(), Date.UTC(2026, 1, 1) + i);
      }
      for (let i = 0; i < edits; i++) {
        db.prepare('UPDATE messages SET content = ? WHERE rowid = ?').run(
          text(),
          ids[Math.floor(rand() * ids.length)]!.r,
        );
      }
      for (let i = 0; i < deletes; i++) {
        db.prepare('DELETE FROM messages WHERE rowid = ?').run(ids[Math.floor(rand() * ids.length)]!.r);
      }
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

/** Page hashes of a file, to count how many pages a change touched. */
export function pageHashes(file: string, pageSize = 4096): string[] {
  const data = fs.readFileSync(file);
  const out: string[] = [];
  for (let at = 0; at < data.length; at += pageSize) {
    out.push(
      crypto
        .createHash('sha256')
        .update(data.subarray(at, at + pageSize))
        .digest('hex'),
    );
  }
  return out;
}

/** A reference copy through SQLite's backup API (page for page, no VACUUM). */
export async function backupCopy(file: string, out: string): Promise<void> {
  const db = new Database(file, { readonly: true });
  try {
    await db.backup(out);
  } finally {
    db.close();
  }
}

/** Every file under a folder, relative, for "flip a byte in one of these". */
export function filesUnder(dir: string, sub: string): string[] {
  const root = path.join(dir, sub);
  if (!fs.existsSync(root)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!e.name.startsWith('.')) out.push(p);
    }
  };
  walk(root);
  return out.sort();
}
