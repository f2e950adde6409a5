import crypto from 'node:crypto';
import { StrataError } from '../core/errors';

/**
 * scrypt turns a passphrase into a key-encryption key. Its parameters are stored in each key
 * file, so they can be raised later for new key files while old ones keep opening.
 *
 * N = 2^17, r = 8, p = 1 needs 128 MiB and took 1.7–2.4 s on the 2-core test machine
 * (docs/encryption-format.md, "Measured"). Node's default `maxmem` is 32 MiB, which refuses
 * N = 2^15 with r = 8 already, so we pass exactly what the parameters need (OpenSSL's rule:
 * 128·r·(N + 2) + 128·r·p bytes) plus 1 MiB. scrypt always runs through the asynchronous
 * `crypto.scrypt`, on libuv's thread pool, never on the calling thread.
 */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

/**
 * Limits for parameters read from a key file: a hostile file must not make unlocking take a
 * gigabyte of memory or minutes. 512 MiB and p ≤ 4 leave room to raise the default twice.
 */
export const SCRYPT_MAX_MEMORY = 512 * 1024 * 1024;
export const SCRYPT_MAX_P = 4;
export const SCRYPT_MIN_N = 2 ** 10;

export const PASSPHRASE_MIN_LENGTH = 8;
export const PASSPHRASE_MAX_LENGTH = 1024;

/** The memory scrypt needs for these parameters, as OpenSSL counts it. */
export function scryptMemory(params: ScryptParams): number {
  return 128 * params.r * (params.N + 2) + 128 * params.r * params.p;
}

/** Null when the parameters are acceptable, else why not. */
export function scryptParamsProblem(params: ScryptParams): string | null {
  const { N, r, p } = params;
  if (!Number.isSafeInteger(N) || N < SCRYPT_MIN_N || (N & (N - 1)) !== 0) return 'N must be a power of two ≥ 1024';
  if (!Number.isSafeInteger(r) || r < 1 || r > 32) return 'r must be 1 to 32';
  if (!Number.isSafeInteger(p) || p < 1 || p > SCRYPT_MAX_P) return `p must be 1 to ${SCRYPT_MAX_P}`;
  if (scryptMemory(params) > SCRYPT_MAX_MEMORY) return 'the parameters need more than 512 MiB';
  return null;
}

/**
 * The bytes a passphrase stands for: Unicode NFC, then UTF-8. NFC so that "é" typed as one code
 * point or as e + accent (which keyboards and platforms differ on) is the same passphrase.
 * Nothing is trimmed: a space is part of a passphrase.
 */
export function passphraseBytes(passphrase: string): Buffer {
  return Buffer.from(passphrase.normalize('NFC'), 'utf8');
}

/** Refuses a passphrase a new key file must not be made with. Never echoes it. */
export function checkNewPassphrase(passphrase: string): void {
  const length = [...passphrase.normalize('NFC')].length;
  if (length < PASSPHRASE_MIN_LENGTH) {
    throw new StrataError('invalid_input', `A passphrase needs at least ${PASSPHRASE_MIN_LENGTH} characters.`);
  }
  if (length > PASSPHRASE_MAX_LENGTH) {
    throw new StrataError('invalid_input', `A passphrase may have at most ${PASSPHRASE_MAX_LENGTH} characters.`);
  }
}

/** scrypt(passphrase, salt) → 32 bytes, asynchronously. */
export function scryptKey(passphrase: string, salt: Uint8Array, params: ScryptParams): Promise<Buffer> {
  const problem = scryptParamsProblem(params);
  if (problem) return Promise.reject(new TypeError(`scrypt parameters refused: ${problem}`));
  const options = { N: params.N, r: params.r, p: params.p, maxmem: scryptMemory(params) + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    crypto.scrypt(passphraseBytes(passphrase), salt, 32, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}
