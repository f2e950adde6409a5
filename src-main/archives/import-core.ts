import { newRowId } from '../core/ids';
import { StrataError } from '../core/errors';
import { openConnection } from '../db/connection';
import { findSessionByArchiveHash, insertSessionRow, MessageStaging } from '../db/repositories/transfer';
import type { ProgressFn } from './export-core';
import { validateAndStage, type Validated } from './validate-archive';

export interface ImportSessionJob {
  kind: 'import-session';
  dbFile: string;
  inFile: string;
  allowDuplicate: boolean;
  maxDecompressedBytes: number;
  now: number;
}

export interface ArchiveSummary {
  sourceSessionId: string;
  title: string;
  messageCount: number;
  tokenTotal: number;
  sha256: string;
  archivedAt: string;
  appVersion: string;
}

export interface SessionImportResult {
  sessionId: string;
  title: string;
  messageCount: number;
  tokenTotal: number;
  sha256: string;
  sourceSessionId: string;
  /** Set when allowDuplicate let an already imported archive in again. */
  duplicateOf: string | null;
}

export const RESTORED_SUFFIX = ' (restored)';
const WRITE_BATCH = 5000;
/**
 * Page caches for the import's own connection, in KiB. With SQLite's default 2 MiB the staged
 * rows spill to the temp file page by page and the copy into the live tables reads them back
 * the same way; 16 MiB of temp cache halved the write phase (measured on 100k messages).
 * Fixed sizes, so memory stays bounded whatever the archive's size.
 */
const MAIN_CACHE_KIB = 32 * 1024;
const TEMP_CACHE_KIB = 16 * 1024;

function duplicateError(existing: { id: string; title: string }): StrataError {
  return new StrataError(
    'duplicate_archive',
    `This archive was already imported as "${existing.title}" (session ${existing.id}). ` +
      `To add another copy, import it anyway (from a terminal: --allow-duplicate). Nothing was changed.`,
    { existingSessionId: existing.id },
  );
}

/**
 * Validates the whole archive first, then (after `confirm`, where the app takes its safety
 * snapshot) writes the session and its messages in one IMMEDIATE transaction with new ids.
 */
export async function importSession(
  job: ImportSessionJob,
  progress: ProgressFn,
  confirm: (summary: ArchiveSummary) => Promise<void>,
): Promise<SessionImportResult> {
  const db = openConnection(job.dbFile);
  let staging: MessageStaging | null = null;
  try {
    db.pragma(`cache_size = -${MAIN_CACHE_KIB}`);
    db.pragma(`temp.cache_size = -${TEMP_CACHE_KIB}`);
    staging = new MessageStaging(db);
    db.exec('BEGIN');
    let v: Validated;
    try {
      v = await validateAndStage(job, staging, progress);
      db.exec('COMMIT'); // only the temp table was written
    } catch (e) {
      db.exec('ROLLBACK');
      throw e;
    }
    const existing = findSessionByArchiveHash(db, v.sha256) ?? null;
    if (existing && !job.allowDuplicate) throw duplicateError(existing);
    await confirm({
      sourceSessionId: v.session.id,
      title: v.session.title,
      messageCount: v.messageCount,
      tokenTotal: v.tokenTotal,
      sha256: v.sha256,
      archivedAt: v.archivedAt,
      appVersion: v.appVersion,
    });

    const newId = newRowId();
    const title = v.session.title + RESTORED_SUFFIX;
    const metadata = {
      ...v.session.metadata,
      archive: {
        sha256: v.sha256,
        source_session_id: v.session.id,
        archived_at: v.archivedAt,
        imported_at: new Date(job.now).toISOString(),
      },
    };
    const write = db.transaction(() => {
      const again = findSessionByArchiveHash(db, v.sha256);
      if (again && !job.allowDuplicate) throw duplicateError(again);
      insertSessionRow(db, {
        id: newId,
        title,
        model: v.session.model,
        created_at: v.session.created_at,
        updated_at: v.session.updated_at,
        prompt_tokens: v.session.prompt_tokens,
        completion_tokens: v.session.completion_tokens,
        total_tokens: v.session.total_tokens,
        cost_usd: v.session.cost_usd,
        starred: v.session.starred,
        metadata: JSON.stringify(metadata),
      });
      let done = 0;
      for (let from = 1; from <= v.messageCount; from += WRITE_BATCH) {
        done += staging!.copyRange(newId, from, from + WRITE_BATCH - 1);
        progress('write', done, v.messageCount);
      }
      if (done !== v.messageCount) throw new StrataError('internal', 'Staged messages went missing during import.');
    });
    write.immediate();
    progress('write', v.messageCount, v.messageCount);
    return {
      sessionId: newId,
      title,
      messageCount: v.messageCount,
      tokenTotal: v.tokenTotal,
      sha256: v.sha256,
      sourceSessionId: v.session.id,
      duplicateOf: existing?.id ?? null,
    };
  } finally {
    try {
      staging?.drop();
    } catch {
      // the temp table dies with the connection anyway
    }
    db.close();
  }
}
