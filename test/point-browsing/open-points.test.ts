import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir';
import { ManualClock } from '../../src-main/core/clock';
import { OpenPoints } from '../../src-main/point-browsing/open-points';
import type { OpenedPoint } from '../../src-main/snapshots/engine';

/** A fake opener that records opens and closes; the real materialisation is tested with the engine. */
function opener() {
  const log: string[] = [];
  const root = tempDir('strata-open-points-');
  const open = async (id: string): Promise<OpenedPoint> => {
    log.push(`open ${id}`);
    if (id === 'bad') throw new Error('cannot open');
    const dir = path.join(root, id);
    fs.mkdirSync(dir);
    return {
      id,
      file: path.join(dir, 'point.db'),
      dir,
      createdAt: '',
      counts: {},
      schemaVersion: 2,
      migratedFrom: null,
      close: () => log.push(`close ${id}${fs.existsSync(dir) ? ' (folder still there)' : ''}`),
    };
  };
  return { log, open };
}

describe('the open points cache', () => {
  it('reuses an open point, closes it after the idle time, never under a reader, and keeps at most two', async () => {
    const clock = new ManualClock(0);
    const { log, open } = opener();
    const points = new OpenPoints(open, clock, 1000, 2);
    await points.use('a', () => undefined);
    await points.use('a', () => undefined);
    expect(log).toEqual(['open a']);

    // A long reader keeps it open past the idle time.
    let release!: () => void;
    const reading = points.use('a', () => new Promise<void>((r) => (release = r)));
    await Promise.resolve();
    clock.advance(5000);
    expect(points.leave('a')).toBe(false);
    expect(log).toEqual(['open a']);
    release();
    await reading;
    clock.advance(999);
    expect(points.openIds()).toEqual(['a']);
    clock.advance(1);
    expect(points.openIds()).toEqual([]);
    // Its folder is removed in the background, before close() runs.
    // Generous: under a loaded CI machine the thread pool that removes it can be busy for a while.
    await expect.poll(() => log, { timeout: 30_000 }).toEqual(['open a', 'close a']);

    // A third point closes the least recently used idle one.
    await points.use('b', () => undefined);
    clock.advance(10);
    await points.use('c', () => undefined);
    clock.advance(10);
    await points.use('d', () => undefined);
    expect(points.openIds().sort()).toEqual(['c', 'd']);
    await expect.poll(() => log, { timeout: 30_000 }).toContain('close b');

    // A failed open is not cached; closeAll removes what is left.
    await expect(points.use('bad', () => undefined)).rejects.toThrow('cannot open');
    expect(points.openIds()).not.toContain('bad');
    await points.closeAll();
    expect(points.openIds()).toEqual([]);
    expect(log.filter((l) => l.startsWith('close')).sort()).toEqual(['close a', 'close b', 'close c', 'close d']);
  });
});
