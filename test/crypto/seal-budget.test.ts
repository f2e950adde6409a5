import { describe, expect, it } from 'vitest';
import { SEAL_LIMIT, SEAL_ROTATE_AT, SEAL_WARN_AT, SealBudget, type SealCountStore } from '../../src-main/crypto';

/** A count store whose saves land only when the test says (a slow disk), or fail. */
class CountFile implements SealCountStore {
  saved = new Map<string, number>();
  saves: number[] = [];
  hold = false;
  failNext = false;
  private waiting: (() => void)[] = [];
  async load(fp: string): Promise<number> {
    return this.saved.get(fp) ?? 0;
  }
  async save(fp: string, reserved: number): Promise<void> {
    if (this.hold) await new Promise<void>((r) => this.waiting.push(r));
    if (this.failNext) {
      this.failNext = false;
      throw new Error('disk full');
    }
    this.saves.push(reserved);
    this.saved.set(fp, reserved);
  }
  release(): void {
    this.hold = false;
    for (const w of this.waiting.splice(0)) w();
  }
}

const FP = '0123456789abcdef';

describe('the encryption count', () => {
  it('saves a reservation before the first encryption and counts it all as used after a crash', async () => {
    const file = new CountFile();
    const a = await SealBudget.open(file, FP, { block: 1000 });
    expect(file.saved.get(FP)).toBe(1000);
    expect(a.count).toBe(0);
    a.take(300);
    // The process dies here without flushing: the next run starts from the whole reservation.
    const b = await SealBudget.open(file, FP, { block: 1000 });
    expect(b.count).toBe(1000);
    expect(b.reserved).toBe(2000);
  });

  it('never under-counts across a crash, even when a reservation is still being saved', async () => {
    const file = new CountFile();
    const a = await SealBudget.open(file, FP, { block: 1000 });
    file.hold = true;
    for (let i = 0; i < 999; i++) a.take(1); // up to the durable reservation, the next one in flight
    const crashedAt = a.count;
    const b = await SealBudget.open({ load: (fp) => file.load(fp), save: async () => undefined }, FP, { block: 1000 });
    expect(b.count).toBeGreaterThanOrEqual(crashedAt);
    file.release();
  });

  it('flush() resolves only once every encryption is inside a durable reservation', async () => {
    const file = new CountFile();
    const budget = await SealBudget.open(file, FP, { block: 100 });
    file.hold = true;
    budget.take(250);
    let flushed = false;
    const f = budget.flush().then(() => (flushed = true));
    await Promise.resolve();
    expect(flushed).toBe(false);
    file.release();
    await f;
    expect(budget.reserved).toBeGreaterThanOrEqual(250);
    expect(file.saved.get(FP)).toBeGreaterThanOrEqual(250);
    // Saves only ever move forward.
    expect([...file.saves].sort((x, y) => x - y)).toEqual(file.saves);
  });

  it('passes a failed save on to flush() and tries again at the next one', async () => {
    const file = new CountFile();
    const budget = await SealBudget.open(file, FP, { block: 10 });
    file.failNext = true;
    budget.take(8);
    await expect(budget.flush()).rejects.toThrow('disk full');
    await budget.flush();
    expect(budget.reserved).toBeGreaterThanOrEqual(8);
  });

  it('warns at 2^28, urges rotation at 2^30 and refuses past 2^32, counting other devices too', async () => {
    const file = new CountFile();
    file.saved.set(FP, SEAL_WARN_AT - 10);
    const budget = await SealBudget.open(file, FP, { block: 4 });
    expect(budget.level()).toBe('ok');
    budget.take(10);
    expect(budget.level()).toBe('rotate_soon');
    const b2 = await SealBudget.open(new CountFile(), FP, { othersCount: SEAL_ROTATE_AT });
    expect(b2.level()).toBe('rotate_now');
    const b3 = await SealBudget.open(new CountFile(), FP);
    expect(b3.level()).toBe('ok');
    const b4 = await SealBudget.open(new CountFile(), FP, { othersCount: SEAL_LIMIT - 3 });
    b4.take(3);
    expect(() => b4.take(1)).toThrow(/rotate the master/i);
    expect(() => b3.take(-1)).toThrow(TypeError);
  });

  it('refuses a stored count that is not a count', async () => {
    const file = new CountFile();
    file.saved.set(FP, -5);
    await expect(SealBudget.open(file, FP)).rejects.toMatchObject({ code: 'store_damaged' });
  });
});
