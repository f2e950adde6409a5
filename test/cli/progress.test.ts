import { describe, expect, it } from 'vitest';
import { createProgressRenderer, type ProgressRenderer } from '../../src-main/cli/progress';
import { fakeTerminal } from './fake-terminal';

/** The renderer against a stand-in terminal and clock: tests check the screen a person sees. */
function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('progress at a terminal', () => {
  function live(columns = 80) {
    const term = fakeTerminal();
    const c = clock();
    const r: ProgressRenderer = createProgressRenderer(
      { write: term.write, live: true, columns: () => columns },
      { now: c.now, liveIntervalMs: 100 },
    );
    return { term, c, r };
  }

  it('redraws one line for a job in place, through every update and phase', () => {
    const { term, c, r } = live();
    for (let i = 0; i <= 50; i++) {
      r.update({ job: 'op1', label: 'snapshot copy', done: i, total: 50 });
      c.advance(30);
    }
    expect(term.visible()).toEqual(['snapshot copy: 100% (50/50)']);
    r.update({ job: 'op1', label: 'snapshot compress', done: 1, total: 4 });
    expect(term.visible()).toEqual(['snapshot compress: 25% (1/4)']);
    expect(term.raw()).not.toContain('\n');
  });

  it('throttles redraws within a phase but never hides a phase change', () => {
    const { term, c, r } = live();
    r.update({ label: 'demo', done: 0, total: 1000 });
    const writes = () => term.raw().split('\r').length;
    const before = writes();
    for (let i = 1; i < 1000; i++) {
      r.update({ label: 'demo', done: i, total: 1000 });
      c.advance(1); // 1 s in total: about ten redraws, not a thousand
    }
    expect(writes() - before).toBeLessThanOrEqual(11);
    expect(writes() - before).toBeGreaterThanOrEqual(9);
    r.update({ label: 'demo (index)', done: 0, total: 1 });
    expect(term.visible()).toEqual(['demo (index): 0% (0/1)']);
  });

  it('keeps concurrent jobs on lines of their own and drops a job when it finishes', () => {
    const { term, r } = live();
    r.update({ job: 'a', label: 'snapshot copy', done: 1, total: 2 });
    r.update({ job: 'b', label: 'verify checksum', done: 0, total: 3 });
    r.update({ job: 'a', label: 'snapshot check', done: 0, total: 1 });
    expect(term.visible()).toEqual(['snapshot check: 0% (0/1)', 'verify checksum: 0% (0/3)']);
    r.update({ job: 'a', label: 'snapshot check', done: 1, total: 1, finished: true });
    expect(term.visible()).toEqual(['verify checksum: 0% (0/3)']);
  });

  it('lets a log line through above the live lines, and leaves nothing behind at the end', () => {
    const { term, r } = live();
    r.update({ job: 'a', label: 'restore decompress', done: 2, total: 5 });
    r.interrupt(() => term.write('[warn] disk is getting full\n'));
    expect(term.visible()).toEqual(['[warn] disk is getting full', 'restore decompress: 40% (2/5)']);
    r.end();
    term.write('Restored.\n');
    expect(term.visible()).toEqual(['[warn] disk is getting full', 'Restored.']);
  });

  it('cuts a line to the terminal width, so a wrapped line never breaks the redraw', () => {
    const { term, r } = live(20);
    r.update({ job: 'a', label: 'session export (messages)', done: 1, total: 3 });
    r.update({ job: 'b', label: 'x', done: 1, total: 1 });
    r.update({ job: 'a', label: 'session export (write)', done: 2, total: 3 });
    expect(term.visible()).toEqual(['session export (wri', 'x: 100% (1/1)']);
  });
});

describe('progress into a pipe or a log', () => {
  function plain() {
    const lines: string[] = [];
    const c = clock();
    const r = createProgressRenderer(
      { write: (s) => lines.push(s), live: false },
      { now: c.now, plainIntervalMs: 5000 },
    );
    return { lines, c, r };
  }

  it('prints plain lines: one per phase and one every few seconds, no escape codes', () => {
    const { lines, c, r } = plain();
    // 20 s of copy updates every 250 ms, then a phase change.
    for (let i = 0; i <= 80; i++) {
      r.update({ job: 'op', label: 'snapshot copy', done: i, total: 80 });
      c.advance(250);
    }
    r.update({ job: 'op', label: 'snapshot compress', done: 0, total: 1 });
    r.update({ job: 'op', label: 'snapshot compress', done: 1, total: 1, finished: true });
    expect(lines).toEqual([
      'snapshot copy: 0% (0/80)\n',
      'snapshot copy: 25% (20/80)\n',
      'snapshot copy: 50% (40/80)\n',
      'snapshot copy: 75% (60/80)\n',
      'snapshot copy: 100% (80/80)\n',
      'snapshot compress: 0% (0/1)\n',
    ]);
    expect(lines.join('')).not.toContain('\r');
    expect(lines.join('')).not.toContain('\x1b');
  });

  it('starts a new job with a line of its own', () => {
    const { lines, r } = plain();
    r.update({ job: 'a', label: 'verify checksum', done: 0, total: 2 });
    r.update({ job: 'b', label: 'verify checksum', done: 0, total: 2 });
    r.update({ job: 'a', label: 'verify checksum', done: 1, total: 2 });
    expect(lines).toHaveLength(2);
  });
});
