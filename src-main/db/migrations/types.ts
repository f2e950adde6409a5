import type { SqliteDatabase } from '../connection';

/** One numbered schema step. `verify` checks that `up` built what it promised. */
export interface Migration {
  version: number;
  name: string;
  up(db: SqliteDatabase): void;
  verify(db: SqliteDatabase): string[];
}
