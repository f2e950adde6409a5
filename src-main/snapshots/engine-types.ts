import type { Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import type { StrataEvents } from '../app/events';
import type { StrataDatabase } from '../db';
import type { Migration } from '../db/migrations';
import type { SnapshotStore } from './store';
import type { Progress } from './materialise-job';

/** What the engine needs from whoever owns the live connection. */
export interface LiveDatabase {
  readonly file: string;
  /** The open database, or null while a restore has it closed (or no database exists yet). */
  current(): StrataDatabase | null;
  /** Checkpoints and closes the live connection for a restore. */
  close(): Promise<void>;
  /** Opens the (possibly restored) file again, migrating it forward (after `beforeMigrate`) if it is older. */
  reopen(beforeMigrate: (plan: { from: number; to: number }) => Promise<void>): Promise<void>;
}

// One definition each, in the contract, so what the screens receive is what the engine returns.
export type { VerifyResult, RestoreResult, DrillResult } from '../contract/schemas';

export interface DiskProbe {
  (dir: string): Promise<{ freeBytes: number; totalBytes: number }>;
}

export interface SnapshotEngineOptions {
  backupsDir: string;
  live: LiveDatabase;
  clock: Clock;
  logger: Logger;
  events: StrataEvents;
  /** Free space where checks write their scratch copies; checked before a verify writes anything. */
  diskProbe?: DiskProbe;
  /** Called around a restore so scheduled jobs stay out of the way. */
  onRestoreStart?: () => void;
  onRestoreEnd?: () => void;
  /** Awaited before anything is read for a restore, and after it ends (continuous protection). */
  beforeRestore?: () => Promise<void>;
  afterRestore?: () => Promise<void>;
  /**
   * Where new snapshots go: the page store (default), or one gzip file each, the earlier format
   * whose snapshots stay readable; tests use it to keep exercising that format's read paths.
   */
  snapshotFormat?: 'pages' | 'gzip';
  /**
   * Whether a snapshot may fold the WAL into the file first (in its worker). Only when no
   * continuous shipper runs on this data folder: it owns checkpoints and would see a gap.
   * Without a shipper nothing else checkpoints, and the WAL would grow until the last close.
   */
  mayCheckpoint?: () => boolean;
  /** Tests only: the schema steps a restore uses to bring an older snapshot forward. */
  migrations?: readonly Migration[];
}

export type ProgressKind = 'snapshot' | 'verify' | 'restore' | 'drill' | 'export' | 'open';

/** What each job module gets from the engine: the store, the options, and one progress reporter. */
export interface EngineContext {
  readonly store: SnapshotStore;
  readonly opts: SnapshotEngineOptions;
  /** Emits progress for the run, then one final event (done or failed, with a readable error). */
  withProgress<T>(kind: ProgressKind, operationId: string, fn: (progress: Progress) => Promise<T>): Promise<T>;
}
