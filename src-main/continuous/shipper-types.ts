import type { GapReason } from './generations';

/** What the shipper reports to the main thread after every round (health reads it). */
export interface ShipperStatus {
  state: 'starting' | 'running' | 'paused' | 'error' | 'closed';
  generation: string | null;
  /** Every commit seen up to this time (ms) is in a fsynced segment. */
  protectedUpTo: number | null;
  lastShippedAt: number | null;
  lastGap: { at: number; reason: GapReason; detail: string } | null;
  rounds: number;
  commits: number;
  error: string | null;
}

/** One fsynced segment: which WAL frame it reached, and when it was durable (for RPO figures). */
export interface ShippedRound {
  salt1: number;
  frame: number;
  commits: number;
  bytes: number;
  durableAt: number;
}

/** The status before the shipper has reported anything. */
export function initialShipperStatus(): ShipperStatus {
  return {
    state: 'starting',
    generation: null,
    protectedUpTo: null,
    lastShippedAt: null,
    lastGap: null,
    rounds: 0,
    commits: 0,
    error: null,
  };
}
