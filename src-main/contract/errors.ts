import type { z } from 'zod';
import { isErrorCode, type ErrorCode } from './error-codes';

/** A code that came over a wire as a plain string; one this build does not know reads as `internal`. */
export function toErrorCode(code: unknown): ErrorCode {
  return isErrorCode(code) ? code : 'internal';
}

/** An error with a stable code, as it crosses the bridge. Never carries a stack to show. */
export class ContractError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'ContractError';
    this.code = code;
  }
}

/** "title: the title is too long; role: ..." from a zod error, fit for a person. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => {
      const where = i.path.map(String).join('.');
      let msg = i.message;
      if (i.code === 'unrecognized_keys') msg = `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.join(', ')}`;
      return where ? `${where}: ${msg}` : msg;
    })
    .join('; ');
}

/**
 * Electron's contextBridge copies only an Error's message, so the preload encodes the code as
 * a "[code] message" prefix and the client takes it apart again.
 */
export function encodeErrorMessage(e: { code: string; message: string }): string {
  return `[${e.code}] ${e.message}`;
}

export function decodeError(e: unknown): ContractError {
  if (e instanceof ContractError) return e;
  const raw = e instanceof Error ? e.message : typeof e === 'string' ? e : 'Unexpected error';
  if (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    return new ContractError(toErrorCode((e as { code: string }).code), raw);
  }
  // Electron prefixes rejected invoke() messages with "Error invoking remote method '...': ".
  const m = /\[([a-z][a-z0-9_-]*)\] ([\s\S]*)$/.exec(raw);
  if (m) return new ContractError(toErrorCode(m[1]), m[2]!);
  return new ContractError('internal', raw.split('\n')[0] ?? 'Unexpected error');
}
