import crypto from 'node:crypto';
import type http from 'node:http';
import { StrataError } from '../core/errors';

/**
 * Who may talk to the host: requests addressed to 127.0.0.1 or localhost on our port (DNS
 * rebinding), from no other site's pages (Origin), carrying the per-start token.
 */

export function newToken(): string {
  return crypto.randomBytes(32).toString('hex');
}

/** Compares hashes so neither the content nor the length of the token leaks through timing. */
export function tokenMatches(given: string | null | undefined, expected: string): boolean {
  if (typeof given !== 'string' || given.length === 0) return false;
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

/** A page on another name that resolves to 127.0.0.1 must not reach us. */
export function hostAllowed(req: http.IncomingMessage, port: number): boolean {
  const host = String(req.headers.host ?? '').toLowerCase();
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

/**
 * Why an API request is refused, or null when it may go on. Browsers cannot set headers on an
 * EventSource or a download link, so those two GET routes also take the token as ?token=.
 */
export function apiRefusal(
  req: http.IncomingMessage,
  url: URL,
  port: number,
  token: string,
): { error: StrataError; status: number } | null {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) {
    return { error: new StrataError('forbidden', 'Requests from other sites are refused.'), status: 403 };
  }
  const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
  const queryAllowed =
    req.method === 'GET' && (url.pathname === '/api/events' || url.pathname.startsWith('/api/download/'));
  const given = bearer ?? (queryAllowed ? url.searchParams.get('token') : null);
  if (!tokenMatches(given, token)) {
    return {
      error: new StrataError('unauthorized', 'Missing or wrong access token. Open the address `strata serve` printed.'),
      status: 401,
    };
  }
  return null;
}
