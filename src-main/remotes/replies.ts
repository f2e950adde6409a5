import { StrataError } from '../core/errors';
import type { ByteRange } from '../repository/backend';
import type { HttpReply } from './http';
import { RemoteError } from './remote-error';

/** Checks a requested range before any request is made. */
export function checkRange(range: ByteRange): void {
  if (
    !Number.isSafeInteger(range.offset) ||
    !Number.isSafeInteger(range.length) ||
    range.offset < 0 ||
    range.length < 0
  ) {
    throw new StrataError('invalid_input', `Not a valid byte range: ${JSON.stringify(range)}.`);
  }
}

/** A HEAD or GET reply's `Content-Length`, which must be a whole number. */
export function checkedSize(reply: HttpReply, what: string): number {
  const v = reply.headers.get('content-length');
  if (v === null || !/^\d+$/.test(v)) {
    throw new RemoteError('bad_response', `${what}: the server gave no size.`, {
      retry: 'final',
      status: reply.status,
    });
  }
  return Number(v);
}

export function lastModified(reply: HttpReply): Date | null {
  const v = reply.headers.get('last-modified');
  const d = v ? new Date(v) : null;
  return d && Number.isFinite(d.getTime()) ? d : null;
}

/**
 * The bytes of `range` from a range GET, read like `pread` (the `Backend` rule). A 206 must
 * start where asked (its `Content-Range`) and hold the asked length, or end where the file ends;
 * a server that ignores ranges answers 200 with the whole file, and the range is cut from it.
 */
export function sliceRange(reply: HttpReply, range: ByteRange, what: string): Buffer {
  if (reply.status === 206) {
    const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(reply.headers.get('content-range') ?? '');
    if (!m || Number(m[1]) !== range.offset || Number(m[2]) - Number(m[1]) + 1 !== reply.body.length) {
      throw new RemoteError('bad_response', `${what}: the server sent a different range than was asked.`, {
        retry: 'transient',
        status: 206,
      });
    }
    const total = m[3] === '*' ? null : Number(m[3]);
    if (reply.body.length !== range.length && (total === null || range.offset + reply.body.length !== total)) {
      throw new RemoteError('remote_unavailable', `${what}: the range was cut short.`, {
        retry: 'transient',
        status: 206,
      });
    }
    return reply.body;
  }
  return reply.body.subarray(Math.min(range.offset, reply.body.length), range.offset + range.length);
}
