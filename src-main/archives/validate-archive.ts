import crypto from 'node:crypto';
import { StrataError } from '../core/errors';
import type { MessageStaging } from '../db/repositories/transfer';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_KEYS,
  ARCHIVE_LIMITS,
  ARCHIVE_VERSION,
  archiveMetadataSchema,
  canonicalMessage,
  canonicalSession,
  headerSchemas,
  invalidArchive,
  messageRecordSchema,
  sessionRecordSchema,
  zodProblem,
  type ArchiveMetadata,
  type MessageRecord,
  type SessionRecord,
} from './format';
import { gunzipFileToTextStreaming } from './gzip-stream';
import { describePath, JsonStreamSplitter, type PathElement } from './json-stream';
import type { ProgressFn } from './export-core';
import type { ImportSessionJob } from './import-core';
import { RowIdSource } from './row-ids';

/** Everything pass one learns while checking an archive. */
export interface Validated {
  session: SessionRecord;
  metadata: ArchiveMetadata;
  archivedAt: string;
  appVersion: string;
  messageCount: number;
  tokenTotal: number;
  sha256: string;
}

function typeName(v: unknown): string {
  return Array.isArray(v) ? 'an array' : v === null ? 'null' : `a ${typeof v}`;
}

/**
 * Pass one: reads the whole archive, checks every value, and stages messages (with new ids) in
 * a temporary table. Nothing in the user's database is touched.
 */
export async function validateAndStage(
  job: ImportSessionJob,
  staging: MessageStaging,
  progress: ProgressFn,
): Promise<Validated> {
  let keyIndex = 0;
  const header: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  let session: SessionRecord | null = null;
  let metadata: ArchiveMetadata | null = null;
  let messageCount = 0;
  let tokenTotal = 0;
  let first: number | null = null;
  let last: number | null = null;
  const hash = crypto.createHash('sha256');
  const ids = new RowIdSource();

  const onMessage = (index: number, value: unknown) => {
    if (!session) throw invalidArchive('messages come before the session');
    const parsed = messageRecordSchema.safeParse(value);
    if (!parsed.success) throw invalidArchive(zodProblem(`messages[${index}]`, parsed.error));
    const m = parsed.data as MessageRecord;
    if (m.session_id !== session.id) {
      throw invalidArchive(`messages[${index}].session_id is ${m.session_id}, not the archived session ${session.id}`);
    }
    if (m.sequence !== index + 1) {
      const what = m.sequence <= index ? 'a duplicate or out-of-order' : 'a gap before';
      throw invalidArchive(
        `messages[${index}] has sequence ${m.sequence}, ${what} sequence; sequences must run 1, 2, 3... without gaps`,
      );
    }
    hash.update(canonicalMessage(m) + '\n');
    staging.stage({
      id: ids.next(),
      sequence: m.sequence,
      role: m.role,
      content: m.content,
      token_count: m.token_count,
      created_at: m.created_at,
      metadata: JSON.stringify(m.metadata),
    });
    messageCount++;
    tokenTotal += m.token_count;
    first = first === null ? m.created_at : Math.min(first, m.created_at);
    last = last === null ? m.created_at : Math.max(last, m.created_at);
  };

  const splitter = new JsonStreamSplitter({
    descend(path, kind) {
      if (path.length === 0) {
        if (kind === 'array') throw invalidArchive('the file holds a JSON array, not an archive object');
        return true;
      }
      if (path.length === 1 && path[0] === 'messages') {
        if (kind !== 'array') throw invalidArchive('messages must be an array');
        return true;
      }
      return false;
    },
    onKey(path, key) {
      if (path.length !== 0) return;
      const expected = ARCHIVE_KEYS[keyIndex];
      if (keyIndex === 0 && key !== 'format') {
        throw invalidArchive(`this JSON is not a Strata session archive (it starts with '${key}', not 'format')`);
      }
      if (key !== expected) {
        throw invalidArchive(
          expected === undefined
            ? `unexpected top-level key '${key}' after the end of the archive`
            : `unexpected top-level key '${key}' where '${expected}' belongs`,
        );
      }
      keyIndex++;
    },
    onValue(path, value) {
      if (path.length === 0) throw invalidArchive(`the file holds ${typeName(value)}, not an archive object`);
      const key = path[0] as string;
      if (path.length === 2 && key === 'messages') return onMessage(path[1] as number, value);
      if (key === 'session') {
        const parsed = sessionRecordSchema.safeParse(value);
        if (!parsed.success) throw invalidArchive(zodProblem('session', parsed.error));
        session = parsed.data as SessionRecord;
        hash.update(canonicalSession(session) + '\n');
        return;
      }
      if (key === 'metadata') {
        const parsed = archiveMetadataSchema.safeParse(value);
        if (!parsed.success) throw invalidArchive(zodProblem('metadata', parsed.error));
        metadata = parsed.data;
        return;
      }
      const schema = headerSchemas[key];
      if (!schema) throw invalidArchive(`unexpected value at ${describePath(path)}`);
      const parsed = schema.safeParse(value);
      if (!parsed.success) throw invalidArchive(zodProblem(key, parsed.error));
      if (key === 'format' && value !== ARCHIVE_FORMAT) {
        throw invalidArchive(`this JSON is a '${String(value)}' file, not a '${ARCHIVE_FORMAT}'`);
      }
      if (key === 'version' && (value as number) > ARCHIVE_VERSION) {
        throw new StrataError(
          'unsupported_version',
          `This archive uses format version ${String(value)}, newer than this Strata supports ` +
            `(${ARCHIVE_VERSION}). Update Strata to import it. Nothing was changed.`,
        );
      }
      header[key] = value;
    },
    maxValueChars(path: readonly PathElement[]) {
      if (path.length === 2 && path[0] === 'messages') return ARCHIVE_LIMITS.messageRecordChars;
      if (path[0] === 'session') return ARCHIVE_LIMITS.sessionRecordChars;
      return ARCHIVE_LIMITS.headerValueChars;
    },
    fail: (message) => invalidArchive(message),
  });

  await gunzipFileToTextStreaming(job.inFile, {
    what: 'archive',
    maxDecompressedBytes: job.maxDecompressedBytes,
    onText: (t) => splitter.write(t),
    onProgress: (done, total) => progress('validate', done, total),
  });
  splitter.end();

  if (keyIndex < ARCHIVE_KEYS.length) throw invalidArchive(`the '${ARCHIVE_KEYS[keyIndex]}' field is missing`);
  const s = session as SessionRecord | null;
  const meta = metadata as ArchiveMetadata | null;
  if (!s || !meta) throw invalidArchive('the session or metadata is missing');
  const sha256 = hash.digest('hex');
  if (meta.message_count !== messageCount) {
    throw invalidArchive(`metadata says ${meta.message_count} messages but the archive holds ${messageCount}`);
  }
  if (meta.token_total !== tokenTotal) {
    throw invalidArchive(`metadata says ${meta.token_total} tokens but the messages add up to ${tokenTotal}`);
  }
  if (meta.first_message_at !== first || meta.last_message_at !== last) {
    throw invalidArchive('the time span in metadata does not match the messages');
  }
  if (meta.content_sha256 !== sha256) {
    throw new StrataError(
      'checksum_mismatch',
      'The archive content does not match its SHA-256 checksum (the file was altered or damaged). Nothing was changed.',
    );
  }
  return {
    session: s,
    metadata: meta,
    archivedAt: header.archived_at as string,
    appVersion: header.app_version as string,
    messageCount,
    tokenTotal,
    sha256,
  };
}
