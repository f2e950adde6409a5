import { describe, expect, it } from 'vitest';
import { fromLocalInput, rangeAt, toLocalInput, type ContinuousRange } from '../../src-renderer/moment-format';
import { bars } from '../../src-renderer/screens/restore/ActivityStrip';
import { gapLine, stateLine, type Continuous } from '../../src-renderer/screens/backups/continuous-words';

/** The screens' own arithmetic and wording for continuous protection, without a browser. */

const MINUTE = 60_000;
const base = new Date(2026, 11, 1, 14, 0, 0, 0).getTime();

function range(from: number, to: number, perMinute: [number, number][], reason = 'first-start'): ContinuousRange {
  return {
    generation: `g${from}`,
    basePointId: `p${from}`,
    startedBecause: reason as ContinuousRange['startedBecause'],
    from,
    to,
    commits: perMinute.reduce((n, [, c]) => n + c, 0),
    perMinute: perMinute.map(([minute, commits]) => ({ minute, commits })),
  };
}

const running: Continuous = {
  enabled: true,
  state: 'running',
  protectedUpTo: base,
  secondsBehind: 0.2,
  lastGap: null,
  error: null,
};

describe('the picker value', () => {
  it('round-trips a second, and a chosen second means its end', () => {
    const at = base + 5_400;
    expect(toLocalInput(at)).toBe('2026-12-01T14:00:05');
    expect(fromLocalInput('2026-12-01T14:00:05')).toBe(base + 5_999);
    // Without seconds (a browser may drop ":00"), the minute's first second.
    expect(fromLocalInput('2026-12-01T14:00')).toBe(base + 999);
  });

  it('refuses dates that do not exist and text that is not a time', () => {
    expect(fromLocalInput('2026-02-31T10:00:00')).toBeNull();
    expect(fromLocalInput('yesterday')).toBeNull();
    expect(fromLocalInput('')).toBeNull();
  });

  it('finds the range a moment falls in, the previous one inside a gap, none before the first', () => {
    const a = range(base, base + 10 * MINUTE, []);
    const b = range(base + 20 * MINUTE, base + 30 * MINUTE, [], 'restored');
    expect(rangeAt([a, b], base - 1)).toBeNull();
    expect(rangeAt([a, b], base + 5 * MINUTE)).toBe(a);
    expect(rangeAt([a, b], base + 15 * MINUTE)).toBe(a);
    expect(rangeAt([a, b], base + 25 * MINUTE)).toBe(b);
  });
});

describe('the activity strip', () => {
  it('keeps every commit, in at most 60 bars, for a day-long range', () => {
    const perMinute: [number, number][] = [];
    let total = 0;
    for (let m = 0; m < 24 * 60; m += 7) {
      const c = (m % 11) + 1;
      perMinute.push([base + m * MINUTE, c]);
      total += c;
    }
    const list = bars(range(base, base + 24 * 60 * MINUTE - 1, perMinute));
    expect(list.length).toBeLessThanOrEqual(60);
    expect(list.reduce((n, b) => n + b.commits, 0)).toBe(total);
    // Bars tile the window with no overlap or hole.
    for (let i = 1; i < list.length; i++) expect(list[i]!.from).toBe(list[i - 1]!.to);
  });

  it('shows a short range in a half-hour window that ends with it', () => {
    const r = range(base + 30_000, base + 90_000, [
      [base, 2],
      [base + MINUTE, 3],
    ]);
    const list = bars(r);
    expect(list.at(-1)!.to).toBe(base + 2 * MINUTE);
    expect(list[0]!.from).toBe(base + 2 * MINUTE - 30 * MINUTE);
    expect(list.at(-1)!.commits).toBe(3);
    expect(list.at(-2)!.commits).toBe(2);
  });
});

describe('continuous protection in health', () => {
  it('says how many seconds back everything is protected, counting the age of the report', () => {
    expect(stateLine(running, base, base).text).toBe('Protected up to less than a second ago.');
    expect(stateLine(running, base, base + 4_000)).toEqual({ text: 'Protected up to 4 seconds ago.', warn: false });
    expect(stateLine({ ...running, secondsBehind: 1 }, base, base)).toEqual({
      text: 'Protected up to 1 second ago.',
      warn: false,
    });
  });

  it('warns when it lags more than ten seconds or has stopped', () => {
    expect(stateLine({ ...running, secondsBehind: 14 }, base, base)).toEqual({
      text: 'Protected up to 14 seconds ago.',
      warn: true,
    });
    const stopped = stateLine({ ...running, state: 'error', error: 'disk full' }, base, base);
    expect(stopped).toEqual({ text: 'Stopped: disk full. Snapshots still run.', warn: true });
    expect(stateLine({ ...running, enabled: false }, base, base).warn).toBe(false);
  });

  it('names the last gap, when and why, in plain words', () => {
    expect(gapLine(running)).toMatch(/^No gaps/);
    const line = gapLine({
      ...running,
      lastGap: { at: base, reason: 'foreign-checkpoint', detail: 'Another program checkpointed the database.' },
    });
    expect(line).toContain('another program tidied the database log');
    expect(line).toContain('Another program checkpointed the database.');
    expect(line).toContain(new Date(base).toLocaleTimeString(undefined, { timeStyle: 'medium' }));
  });
});
