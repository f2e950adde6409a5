import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ContractError, createClient, encodeErrorMessage, parseEvent } from '../../src-main/contract';
import { StrataError, errorFromPayload, toErrorPayload } from '../../src-main/core/errors';
import { statusForError } from '../../src-main/host/http-status';
import { readableError } from '../../src-renderer/api/errors';

const sqliteError = (code: string) => Object.assign(new Error(`${code}: database is locked`), { code });

describe('one error vocabulary', () => {
  it('has each code once', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });

  it('maps system and SQLite errors onto codes in the list', () => {
    expect(toErrorPayload(sqliteError('SQLITE_BUSY')).code).toBe('database_busy');
    expect(toErrorPayload(sqliteError('SQLITE_BUSY_SNAPSHOT')).code).toBe('database_busy');
    expect(toErrorPayload(sqliteError('SQLITE_CORRUPT')).code).toBe('corrupt');
    expect(toErrorPayload(Object.assign(new Error('no space'), { code: 'ENOSPC' })).code).toBe('disk_full');
    expect(toErrorPayload(new Error('boom')).code).toBe('internal');
    for (const e of [sqliteError('SQLITE_BUSY'), new Error('x'), new StrataError('pinned', 'kept')]) {
      expect(ERROR_CODES).toContain(toErrorPayload(e).code);
    }
  });

  it('reads a code a worker sent back as itself, and one it does not know as internal', () => {
    expect(errorFromPayload({ code: 'checksum_mismatch', message: 'm' }).code).toBe('checksum_mismatch');
    const odd = errorFromPayload({ code: 'made_up_code', message: 'from a newer worker' });
    expect(odd.code).toBe('internal');
    expect(odd.message).toBe('from a newer worker');
  });

  it('keeps an unknown code in a progress event from dropping the event', () => {
    const ev = parseEvent('progress', {
      operationId: 'o',
      kind: 'import',
      phase: 'failed',
      done: 1,
      total: 1,
      finished: true,
      error: { code: 'made_up_code', message: 'm' },
    });
    expect(ev?.name).toBe('progress');
    expect(ev?.name === 'progress' && ev.payload.error?.code).toBe('internal');
  });
});

describe('advice on the screens', () => {
  const internalAdvice = readableError(new ContractError('internal', 'x')).next;

  it('has specific advice for the codes the screens receive', () => {
    for (const code of [
      'database_busy',
      'schema_too_new',
      'checksum_mismatch',
      'migration_failed',
      'disk_full',
    ] as const) {
      const r = readableError(new ContractError(code, 'Something happened.'));
      expect(r.code).toBe(code);
      expect(r.next, code).not.toBe(internalAdvice);
      expect(r.next.length, code).toBeGreaterThan(20);
    }
    expect(readableError(new ContractError('database_busy', 'x')).next).toMatch(/another program/i);
    expect(readableError(new ContractError('schema_too_new', 'x')).next).toMatch(/update strata/i);
  });

  it('has advice for every code in the list', () => {
    for (const code of ERROR_CODES)
      expect(readableError(new ContractError(code, 'm')).next.length, code).toBeGreaterThan(10);
  });

  it('gets the code through the Electron bridge, and an unknown one reads as internal', async () => {
    const viaBridge = (code: string) =>
      createClient({
        invoke: () =>
          Promise.reject(
            new Error(`Error invoking remote method 'x': ${encodeErrorMessage({ code, message: 'Busy.' })}`),
          ),
        subscribe: () => () => undefined,
      })
        .ops.listSessions({})
        .catch((e: unknown) => readableError(e));
    expect(await viaBridge('database_busy')).toMatchObject({ code: 'database_busy', message: 'Busy.' });
    expect(await viaBridge('not_a_code')).toMatchObject({ code: 'internal', next: internalAdvice });
  });

  it('calls a failed fetch unreachable', () => {
    expect(readableError(new TypeError('fetch failed'))).toMatchObject({ code: 'unreachable' });
  });
});

describe('HTTP status in the host', () => {
  it('follows the code', () => {
    expect(statusForError('invalid_input')).toBe(400);
    expect(statusForError('unauthorized')).toBe(401);
    expect(statusForError('forbidden')).toBe(403);
    expect(statusForError('not_found')).toBe(404);
    expect(statusForError('too_large')).toBe(413);
    expect(statusForError('database_busy')).toBe(409);
    expect(statusForError('internal')).toBe(500);
    // A refusal a person can act on.
    expect(statusForError('pinned')).toBe(422);
    expect(statusForError('schema_too_new')).toBe(422);
  });
});
