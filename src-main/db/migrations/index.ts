import type { Migration } from './types';
import { initialSchema } from './001-initial-schema';
import { changeCounter } from './002-change-counter';

/** Every schema step, in order. Append new files; never edit a released one. */
export const MIGRATIONS: readonly Migration[] = [initialSchema, changeCounter];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export type { Migration } from './types';
