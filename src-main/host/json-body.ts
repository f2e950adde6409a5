import type http from 'node:http';
import { StrataError } from '../core/errors';

/** Reads a JSON request body of at most `maxBytes`; an empty body reads as `{}`. */
export function readJsonBody(req: http.IncomingMessage, maxBytes: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) {
      reject(new StrataError('too_large', 'The request is too large.'));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > maxBytes) {
        failed = true;
        reject(new StrataError('too_large', 'The request is too large.'));
        // Stop reading the rest; the 413 goes out with Connection: close.
        req.pause();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (failed) return;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new StrataError('bad_request', 'The request body is not valid JSON.'));
      }
    });
    // A client that goes away mid-body (or a stalled body cut off by the host) ends here.
    req.on('close', () => {
      if (!failed && !req.complete) reject(new StrataError('bad_request', 'The request body was cut off.'));
    });
    req.on('error', (e) => {
      if (!failed) reject(e);
    });
  });
}
