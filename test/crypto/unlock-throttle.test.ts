import { describe, expect, it } from 'vitest';
import { StrataError } from '../../src-main/core/errors';
import { UnlockThrottle } from '../../src-main/crypto';
import { MemoryAttemptLog, expectCode } from './helpers';

const wrong = () => Promise.reject(new StrataError('wrong_passphrase', 'no'));
const right = () => Promise.resolve('master');

function setup() {
  const log = new MemoryAttemptLog();
  const clock = { now: 1_000_000 };
  const make = () => new UnlockThrottle(log, { now: () => clock.now });
  return { log, clock, make, throttle: make() };
}

describe('slowing repeated wrong passphrases', () => {
  it('lets five wrong tries through, then makes each further try wait 5 s, 10 s, 20 s ... up to 5 min', async () => {
    const { throttle, clock } = setup();
    for (let i = 0; i < 5; i++) await expectCode(throttle.attempt(wrong), 'wrong_passphrase');
    const waits: number[] = [];
    for (let i = 0; i < 9; i++) {
      const e = await expectCode(throttle.attempt(right), 'too_many_attempts');
      const wait = (e.details as { retryAfterMs: number }).retryAfterMs;
      waits.push(wait);
      expect(e.message).toMatch(new RegExp(`wait ${Math.ceil(wait / 1000)} s`));
      expect(await throttle.waitMs()).toBe(wait);
      clock.now += wait - 1;
      await expectCode(throttle.attempt(right), 'too_many_attempts');
      clock.now += 1;
      await expectCode(throttle.attempt(wrong), 'wrong_passphrase');
    }
    expect(waits).toEqual([5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
  });

  it('clears the count on success', async () => {
    const { throttle, clock } = setup();
    for (let i = 0; i < 5; i++) await expectCode(throttle.attempt(wrong), 'wrong_passphrase');
    clock.now += 5_000;
    expect(await throttle.attempt(right)).toBe('master');
    expect(await throttle.waitMs()).toBe(0);
    for (let i = 0; i < 5; i++) await expectCode(throttle.attempt(wrong), 'wrong_passphrase');
    await expectCode(throttle.attempt(right), 'too_many_attempts');
  });

  it('is not reset by starting again: the count lives in the log', async () => {
    const { make } = setup();
    for (let i = 0; i < 5; i++) await expectCode(make().attempt(wrong), 'wrong_passphrase');
    await expectCode(make().attempt(right), 'too_many_attempts');
  });

  it('counts a try whose process died before it finished', async () => {
    const { make, log } = setup();
    for (let i = 0; i < 4; i++) await expectCode(make().attempt(wrong), 'wrong_passphrase');
    // The fifth try never returns (kill -9 during scrypt): it is already in the log.
    void make().attempt(() => new Promise<never>(() => undefined));
    await new Promise((resolve) => setImmediate(resolve));
    expect(JSON.parse(log.text!)).toMatchObject({ failures: 5 });
    await expectCode(make().attempt(right), 'too_many_attempts');
  });

  it('leaves the count as it was when a try fails for another reason', async () => {
    const { throttle, log } = setup();
    await expectCode(throttle.attempt(wrong), 'wrong_passphrase');
    const before = log.text;
    await expectCode(
      throttle.attempt(() => Promise.reject(new StrataError('no_key_files', 'gone'))),
      'no_key_files',
    );
    expect(log.text).toBe(before);
  });

  it('queues tries within one process, so parallel guesses cannot slip past the count', async () => {
    const { throttle } = setup();
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => throttle.attempt(wrong)));
    const codes = results.map((r) => (r as PromiseRejectedResult).reason.code);
    expect(codes).toEqual([...Array(5).fill('wrong_passphrase'), ...Array(3).fill('too_many_attempts')]);
  });

  it('treats a damaged log as the last free try, and a clock set back as no longer than one wait', async () => {
    const { throttle, log, clock } = setup();
    log.text = '{"v":1,"failures":';
    await expectCode(throttle.attempt(right), 'too_many_attempts');
    log.text = JSON.stringify({ v: 1, failures: 6, lastAt: clock.now + 10 * 86_400_000 });
    expect(await throttle.waitMs()).toBe(10_000);
  });
});
