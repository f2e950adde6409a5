import crypto from 'node:crypto';
import { StrataError } from '../core/errors';

/**
 * The recovery key a person writes down or prints: 256 random bits, in 13 groups of five
 * characters, e.g. `7K3QF-0ZB9M-...` (docs/encryption-format.md, "Recovery key").
 *
 * - Alphabet: Crockford's base32, `0-9 A-Z` without I, L, O and U, so no two characters look
 *   alike; reading accepts lower case, and O for 0, I and L for 1.
 * - The 256 bits, then 4 check bits (the top 4 bits of the SHA-256 of the 32 bytes), are read 5
 *   bits at a time, most significant first: 52 characters, 4 per group.
 * - Each group's fifth character is a check over GF(32) (polynomial x^5 + x^2 + 1, α = 2):
 *   c = v0·α ⊕ v1·α² ⊕ v2·α³ ⊕ v3·α⁴ ⊕ α^(5+g) for group g (0-based). Any one mistyped character
 *   and any two swapped neighbours change c, and so does a group copied into another's place,
 *   so a typo is caught and its group named.
 */
export const RECOVERY_KEY_BYTES = 32;
export const RECOVERY_GROUPS = 13;
const DATA_PER_GROUP = 4;
const GROUP_LENGTH = DATA_PER_GROUP + 1;
export const RECOVERY_KEY_LENGTH = RECOVERY_GROUPS * GROUP_LENGTH;

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const VALUE = new Map<string, number>([...ALPHABET].map((c, i) => [c, i]));
VALUE.set('O', 0);
VALUE.set('I', 1);
VALUE.set('L', 1);

/** Multiplication in GF(32) modulo x^5 + x^2 + 1. */
function gfMul(a: number, b: number): number {
  let product = 0;
  for (let i = 0; i < 5; i++) {
    if (b & 1) product ^= a;
    b >>= 1;
    a <<= 1;
    if (a & 0x20) a ^= 0x25;
  }
  return product;
}

function alphaPower(k: number): number {
  let v = 1;
  for (let i = 0; i < k; i++) v = gfMul(v, 2);
  return v;
}

function groupCheck(group: number, values: readonly number[]): number {
  let c = alphaPower(5 + group);
  for (let j = 0; j < DATA_PER_GROUP; j++) c ^= gfMul(values[j]!, alphaPower(j + 1));
  return c;
}

function wholeCheckBits(bytes: Uint8Array): number {
  return crypto.hash('sha256', bytes, 'buffer')[0]! >> 4;
}

function toValues(bytes: Uint8Array): number[] {
  const values: number[] = [];
  let acc = 0;
  let bits = 0;
  const push = (v: number, n: number) => {
    acc = (acc << n) | v;
    bits += n;
    while (bits >= 5) {
      values.push((acc >> (bits - 5)) & 31);
      bits -= 5;
      acc &= (1 << bits) - 1;
    }
  };
  for (const b of bytes) push(b, 8);
  push(wholeCheckBits(bytes), 4);
  return values;
}

function fromValues(values: readonly number[]): { bytes: Buffer; check: number } {
  const bytes = Buffer.alloc(RECOVERY_KEY_BYTES);
  let acc = 0;
  let bits = 0;
  let at = 0;
  for (const v of values) {
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8 && at < RECOVERY_KEY_BYTES) {
      bytes[at++] = (acc >> (bits - 8)) & 0xff;
      bits -= 8;
      acc &= (1 << bits) - 1;
    }
  }
  return { bytes, check: acc & 0xf };
}

function invalid(message: string, groups: number[] = []): StrataError {
  return new StrataError('invalid_recovery_key', message, { groups });
}

const REDACT = Symbol.for('nodejs.util.inspect.custom');

/** A recovery key. The bytes stay private: JSON and console output never show them. */
export class RecoveryKey {
  readonly #bytes: Buffer;

  private constructor(bytes: Uint8Array) {
    this.#bytes = Buffer.from(bytes);
  }

  static generate(): RecoveryKey {
    return new RecoveryKey(crypto.randomBytes(RECOVERY_KEY_BYTES));
  }

  static fromBytes(bytes: Uint8Array): RecoveryKey {
    if (bytes.length !== RECOVERY_KEY_BYTES) throw new TypeError(`a recovery key is ${RECOVERY_KEY_BYTES} bytes`);
    return new RecoveryKey(bytes);
  }

  /**
   * Reads a typed or pasted key: spaces, line breaks and dashes (also en and em dashes a word
   * processor may put in) are ignored, and case does not matter. A typo is an
   * `invalid_recovery_key` error naming the group; the message never repeats the key.
   */
  static parse(text: string): RecoveryKey {
    const cleaned = text.replace(/[\s\-_\u2010-\u2015]/g, '').toUpperCase();
    const values: number[] = [];
    for (let i = 0; i < cleaned.length; i++) {
      const v = VALUE.get(cleaned[i]!);
      if (v === undefined) {
        const group = Math.floor(i / GROUP_LENGTH) + 1;
        throw invalid(
          `Character ${(i % GROUP_LENGTH) + 1} of group ${group} is not used in recovery keys (they use 0-9 and A-Z without I, L, O and U).`,
          [group],
        );
      }
      values.push(v);
    }
    if (values.length !== RECOVERY_KEY_LENGTH) {
      throw invalid(
        `A recovery key has ${RECOVERY_KEY_LENGTH} characters in ${RECOVERY_GROUPS} groups of ${GROUP_LENGTH}; this one has ${values.length}.`,
      );
    }
    const data: number[] = [];
    const bad: number[] = [];
    for (let g = 0; g < RECOVERY_GROUPS; g++) {
      const group = values.slice(g * GROUP_LENGTH, (g + 1) * GROUP_LENGTH);
      if (groupCheck(g, group) !== group[DATA_PER_GROUP]) bad.push(g + 1);
      data.push(...group.slice(0, DATA_PER_GROUP));
    }
    if (bad.length) {
      const which = bad.length === 1 ? `Group ${bad[0]}` : `Groups ${bad.slice(0, -1).join(', ')} and ${bad.at(-1)}`;
      throw invalid(`${which} of the recovery key ${bad.length === 1 ? 'has' : 'have'} a typo.`, bad);
    }
    const { bytes, check } = fromValues(data);
    if (check !== wholeCheckBits(bytes)) {
      throw invalid('The recovery key does not add up, though each group checks: compare it again with your copy.');
    }
    return new RecoveryKey(bytes);
  }

  reveal(): Buffer {
    return Buffer.from(this.#bytes);
  }

  /** The key as a person sees it: 13 groups of 5 joined by dashes. */
  format(): string {
    return this.groups().join('-');
  }

  groups(): string[] {
    const values = toValues(this.#bytes);
    const out: string[] = [];
    for (let g = 0; g < RECOVERY_GROUPS; g++) {
      const data = values.slice(g * DATA_PER_GROUP, (g + 1) * DATA_PER_GROUP);
      out.push([...data, groupCheck(g, data)].map((v) => ALPHABET[v]).join(''));
    }
    return out;
  }

  toJSON(): string {
    return '[recovery key]';
  }

  [REDACT](): string {
    return 'RecoveryKey([redacted])';
  }
}
