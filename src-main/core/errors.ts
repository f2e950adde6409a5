import { isErrorCode, type ErrorCode } from '../contract/error-codes';

export type { ErrorCode } from '../contract/error-codes';

/** What crosses a boundary (worker message, IPC, HTTP, CLI JSON): a stable code and words. */
export interface ErrorPayload {
  code: ErrorCode;
  message: string;
}

/**
 * Errors that reach a person carry a stable code and a readable message.
 * Everything else is wrapped as `internal` at the boundary so no stack trace leaks.
 */
export class StrataError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'StrataError';
    this.code = code;
    this.details = details;
  }
}

export function isStrataError(e: unknown): e is StrataError {
  return e instanceof StrataError;
}

/**
 * Rebuilds an error a worker thread sent as `{ code, message }`. The code crossed a message
 * channel as a plain string, so one this build does not know becomes `internal`.
 */
export function errorFromPayload(p: { code: string; message: string }): StrataError {
  return new StrataError(isErrorCode(p.code) ? p.code : 'internal', p.message);
}

/** Turns anything thrown into `{code, message}` fit for a person to read. */
export function toErrorPayload(e: unknown): ErrorPayload {
  if (isStrataError(e)) return { code: e.code, message: e.message };
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
    const code = String((e as { code: unknown }).code);
    const message = String((e as { message: unknown }).message);
    if (code === 'ENOSPC') return { code: 'disk_full', message: 'The disk is full. Free some space and try again.' };
    if (code === 'EACCES' || code === 'EPERM')
      return { code: 'permission_denied', message: `Permission denied: ${message}` };
    if (code === 'ENOENT') return { code: 'not_found', message: `File not found: ${message}` };
    if (code.startsWith('SQLITE_BUSY'))
      return { code: 'database_busy', message: 'The database is busy. Try again in a moment.' };
    if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')
      return { code: 'corrupt', message: `The database file is damaged (${code}). Restore it from a backup.` };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'internal', message: message.split('\n')[0] ?? 'Unexpected error' };
}

/** Absolute POSIX or Windows paths: a run of folders ending in a file name. */
const ABSOLUTE_PATH = /(?:[A-Za-z]:\\|\/)(?:[^\s'"`,;()\\/]+[\\/])+([^\s'"`,;()\\/]*)/g;

/**
 * The payload for the screens: as toErrorPayload, with absolute paths cut to their last part.
 * File locations stay in the main process; a system error's text would otherwise carry them.
 */
export function toRendererErrorPayload(e: unknown): ErrorPayload {
  const payload = toErrorPayload(e);
  return {
    code: payload.code,
    message: payload.message.replace(ABSOLUTE_PATH, (_all, name: string) => name || 'a folder'),
  };
}
