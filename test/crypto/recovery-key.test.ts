import { describe, expect, it } from 'vitest';
import { StrataError } from '../../src-main/core/errors';
import { RECOVERY_KEY_LENGTH, RecoveryKey } from '../../src-main/crypto';
import { seededBytes } from '../helpers/seeded-random';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function parseError(text: string): StrataError {
  try {
    RecoveryKey.parse(text);
  } catch (e) {
    if (e instanceof StrataError) return e;
    throw e;
  }
  throw new Error('it parsed');
}

describe('the recovery key', () => {
  it('is 13 groups of 5 characters from Crockford base32, and reads back to its 32 bytes', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const bytes = seededBytes(seed, 32);
      const key = RecoveryKey.fromBytes(bytes);
      const text = key.format();
      expect(text).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){12}$/);
      expect(text.replace(/-/g, '').length).toBe(RECOVERY_KEY_LENGTH);
      expect(RecoveryKey.parse(text).reveal()).toEqual(bytes);
    }
    expect(RecoveryKey.generate().format()).not.toBe(RecoveryKey.generate().format());
  });

  it('reads it however a person typed or pasted it', () => {
    const key = RecoveryKey.fromBytes(seededBytes(60, 32));
    const text = key.format();
    const variants = [
      text.toLowerCase(),
      text.replace(/-/g, ''),
      text.replace(/-/g, ' '),
      text.replace(/-/g, ' – '), // an en dash a word processor put in
      key.groups().slice(0, 7).join(' ') + '\n' + key.groups().slice(7).join(' ') + '\n',
      `  ${text}  `,
      text.replace(/0/g, 'O').replace(/1/g, 'l'),
      text.replace(/1/g, 'I').toLowerCase(),
    ];
    for (const v of variants) expect(RecoveryKey.parse(v).reveal(), JSON.stringify(v)).toEqual(key.reveal());
  });

  it('catches every single mistyped character and names its group', () => {
    const key = RecoveryKey.fromBytes(seededBytes(61, 32));
    const plain = key.format().replace(/-/g, '');
    for (let i = 0; i < plain.length; i++) {
      for (const c of ALPHABET) {
        if (c === plain[i]) continue;
        const typo = plain.slice(0, i) + c + plain.slice(i + 1);
        const e = parseError(typo);
        expect(e.code).toBe('invalid_recovery_key');
        expect(e.details).toEqual({ groups: [Math.floor(i / 5) + 1] });
        expect(e.message).toMatch(new RegExp(`Group ${Math.floor(i / 5) + 1} of`));
      }
    }
  });

  it("catches swapped neighbours and a group written in another group's place", () => {
    const key = RecoveryKey.fromBytes(seededBytes(62, 32));
    const plain = key.format().replace(/-/g, '');
    for (let i = 0; i + 1 < plain.length; i++) {
      if (plain[i] === plain[i + 1]) continue;
      const swapped = plain.slice(0, i) + plain[i + 1] + plain[i] + plain.slice(i + 2);
      expect(parseError(swapped).code).toBe('invalid_recovery_key');
    }
    const groups = key.groups();
    for (let g = 0; g + 1 < groups.length; g++) {
      const moved = [...groups];
      [moved[g], moved[g + 1]] = [moved[g + 1]!, moved[g]!];
      expect(parseError(moved.join('-')).code).toBe('invalid_recovery_key');
    }
  });

  it('says what is wrong with a short key or a foreign character, without repeating the key', () => {
    const key = RecoveryKey.fromBytes(seededBytes(63, 32));
    const text = key.format();
    const short = parseError(text.slice(0, -6));
    expect(short.message).toMatch(/65 characters in 13 groups of 5; this one has 60/);
    const foreign = parseError(text.slice(0, 12) + 'U' + text.slice(13));
    expect(foreign.message).toMatch(/Character 1 of group 3 is not used/);
    for (const e of [short, foreign, parseError(text.slice(0, 20) + 'Z' + text.slice(21))]) {
      for (const g of key.groups()) expect(e.message).not.toContain(g);
      expect(JSON.stringify(e.details)).not.toContain(key.groups()[0]);
    }
    expect(JSON.stringify({ key })).toBe('{"key":"[recovery key]"}');
  });
});
