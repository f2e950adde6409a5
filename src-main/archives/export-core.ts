import crypto from 'node:crypto';
import { StrataError } from '../core/errors';
import type { SqliteDatabase } from '../db/connection';
import {
  countSessionMessages,
  iterateSessionMessages,
  readSessionRow,
  type MessageRow,
  type SessionRow,
} from '../db/repositories/transfer';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_VERSION,
  canonicalMessage,
  canonicalSession,
  type JsonObject,
  type MessageRecord,
  type SessionRecord,
} from './format';
import { writeExportFile } from './export-file';
import type { TextSink } from './gzip-writer';

export interface ExportSessionJob {
  kind: 'export-session';
  dbFile: string;
  sessionId: string;
  outFile: string;
  format: 'json' | 'md';
  appVersion: string;
  archivedAt: number;
}

export interface SessionExportResult {
  sessionId: string;
  title: string;
  format: 'json' | 'md';
  outFile: string;
  messageCount: number;
  tokenTotal: number;
  /** Bytes of the file written. */
  bytes: number;
  /** content_sha256 of the archive (json format only). */
  sha256: string | null;
}

export type ProgressFn = (phase: string, done: number, total: number) => void;

function parseObject(text: string): JsonObject {
  const v = JSON.parse(text) as unknown;
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : {};
}

export function sessionRecordFromRow(r: SessionRow): SessionRecord {
  return {
    id: r.id,
    title: r.title,
    model: r.model,
    created_at: r.created_at,
    updated_at: r.updated_at,
    prompt_tokens: r.prompt_tokens,
    completion_tokens: r.completion_tokens,
    total_tokens: r.total_tokens,
    cost_usd: r.cost_usd,
    starred: r.starred === 1 ? 1 : 0,
    metadata: parseObject(r.metadata),
  };
}

/** Sequence is renumbered 1..n in order: a v1 archive always holds contiguous sequences. */
function messageRecordFromRow(r: MessageRow, sequence: number): MessageRecord {
  return {
    id: r.id,
    session_id: r.session_id,
    sequence,
    role: r.role as MessageRecord['role'],
    content: r.content,
    token_count: r.token_count,
    created_at: r.created_at,
    metadata: parseObject(r.metadata),
  };
}

/**
 * Streams one session into a v1 archive (or Markdown) on a read-only connection of its own,
 * inside one read transaction, so the file is a consistent copy while the app keeps writing.
 * Memory holds one batch of text at a time, never the whole document.
 */
export async function exportSession(job: ExportSessionJob, progress: ProgressFn): Promise<SessionExportResult> {
  const { result, bytes } = await writeExportFile(
    job.dbFile,
    job.outFile,
    job.format === 'json' ? 'gzip' : 'plain',
    async (db, sink) => {
      const row = readSessionRow(db, job.sessionId);
      if (!row) {
        throw new StrataError(
          'not_found',
          `No session with id ${job.sessionId}. 'strata sessions list' shows the ids.`,
        );
      }
      const total = countSessionMessages(db, job.sessionId);
      const session = sessionRecordFromRow(row);
      const stats =
        job.format === 'json'
          ? await writeArchive(sink, db, job, session, total, progress)
          : await writeMarkdown(sink, db, session, job, total, progress);
      return { session, stats, total };
    },
  );
  progress('export', result.stats.messageCount, result.total);
  return {
    sessionId: result.session.id,
    title: result.session.title,
    format: job.format,
    outFile: job.outFile,
    messageCount: result.stats.messageCount,
    tokenTotal: result.stats.tokenTotal,
    bytes,
    sha256: result.stats.sha256,
  };
}

interface WriteStats {
  messageCount: number;
  tokenTotal: number;
  sha256: string | null;
}

async function writeArchive(
  sink: TextSink,
  db: SqliteDatabase,
  job: ExportSessionJob,
  session: SessionRecord,
  total: number,
  progress: ProgressFn,
): Promise<WriteStats> {
  const hash = crypto.createHash('sha256');
  const sessionLine = canonicalSession(session);
  hash.update(sessionLine + '\n');
  sink.write(
    `{"format":${JSON.stringify(ARCHIVE_FORMAT)},"version":${ARCHIVE_VERSION},` +
      `"archived_at":${JSON.stringify(new Date(job.archivedAt).toISOString())},` +
      `"app_version":${JSON.stringify(job.appVersion)},\n"session":${sessionLine},\n"messages":[`,
  );
  let n = 0;
  let tokens = 0;
  let first: number | null = null;
  let last: number | null = null;
  for (const row of iterateSessionMessages(db, job.sessionId)) {
    const line = canonicalMessage(messageRecordFromRow(row, n + 1));
    hash.update(line);
    hash.update('\n');
    sink.write(n === 0 ? '\n' + line : ',\n' + line);
    n++;
    tokens += row.token_count;
    first = first === null ? row.created_at : Math.min(first, row.created_at);
    last = last === null ? row.created_at : Math.max(last, row.created_at);
    if (n % 64 === 0) await sink.drain();
    if (n % 2000 === 0) progress('export', n, total);
  }
  const sha256 = hash.digest('hex');
  sink.write(
    `\n],\n"metadata":${JSON.stringify({
      message_count: n,
      token_total: tokens,
      first_message_at: first,
      last_message_at: last,
      content_sha256: sha256,
    })}}\n`,
  );
  return { messageCount: n, tokenTotal: tokens, sha256 };
}

const fence = /^\s*(```|~~~)/;

/** Markdown for people: title, facts, then each message with role and time; content kept verbatim. */
async function writeMarkdown(
  sink: TextSink,
  db: SqliteDatabase,
  session: SessionRecord,
  job: ExportSessionJob,
  total: number,
  progress: ProgressFn,
): Promise<WriteStats> {
  const iso = (t: number) => new Date(t).toISOString();
  sink.write(
    `# ${session.title.replace(/\r?\n/g, ' ') || 'Untitled session'}\n\n` +
      `- Session: \`${session.id}\`\n` +
      (session.model ? `- Model: ${session.model}\n` : '') +
      `- Created: ${iso(session.created_at)}\n- Updated: ${iso(session.updated_at)}\n` +
      `- Messages: ${total}\n- Tokens: ${session.total_tokens}\n` +
      `- Exported: ${iso(job.archivedAt)} by Strata ${job.appVersion}\n`,
  );
  let n = 0;
  let tokens = 0;
  for (const row of iterateSessionMessages(db, job.sessionId)) {
    n++;
    tokens += row.token_count;
    const content = row.content.replace(/\r\n/g, '\n');
    // An unclosed code fence would swallow every later message; close it.
    let open = false;
    for (const l of content.split('\n')) if (fence.test(l)) open = !open;
    sink.write(`\n---\n\n### ${n}. ${row.role} · ${iso(row.created_at)}\n\n${content}${open ? '\n```' : ''}\n`);
    if (n % 64 === 0) await sink.drain();
    if (n % 2000 === 0) progress('export', n, total);
  }
  return { messageCount: n, tokenTotal: tokens, sha256: null };
}
