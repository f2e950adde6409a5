import type { ServerTime } from './remote-env';

/**
 * The storage's clock, learned from each reply's `Date` header (one-second resolution) and
 * from a refusal that names the server's time (S3's `RequestTimeTooSkewed`). Remote GC judges
 * a pack's age and a lock's staleness by it, and S3 requests are signed with it once it is known
 * to differ, so a laptop whose clock is wrong still talks to the storage.
 */
export class ServerClock implements ServerTime {
  private offset: number | null = null;

  constructor(private readonly localNow: () => number) {}

  get offsetMs(): number | null {
    return this.offset;
  }

  now(): Date {
    return new Date(this.localNow() + (this.offset ?? 0));
  }

  /** A reply's `Date` header, received at `receivedAt` by the local clock. */
  observeDateHeader(value: string | null, receivedAt: number): void {
    if (!value) return;
    const at = Date.parse(value);
    if (!Number.isFinite(at)) return;
    // The header is truncated to the second: keep the old offset while the new one agrees to
    // within that, so the offset does not wobble from reply to reply.
    const next = at + 500 - receivedAt;
    if (this.offset === null || Math.abs(next - this.offset) > 1_500) this.offset = next;
  }

  /** The server's time as it reported it, for example in a clock-skew refusal. */
  observeServerTime(at: Date, receivedAt: number): void {
    if (Number.isFinite(at.getTime())) this.offset = at.getTime() - receivedAt;
  }

  /** The time to sign a request with: the server's when it is known to differ by over a second. */
  signingTime(): Date {
    const local = this.localNow();
    if (this.offset !== null && Math.abs(this.offset) > 1_000) return new Date(local + this.offset);
    return new Date(local);
  }
}
