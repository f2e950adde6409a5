import type { z } from 'zod';
import type { DataPaths } from '../core/paths';
import type { Logger } from '../core/logger';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  description: string;
}

export interface CliContext {
  dataDir: string;
  paths: DataPaths;
  json: boolean;
  logger: Logger;
  /**
   * Progress goes to stderr (never stdout, which `--json` reserves for one document). `job`
   * keeps concurrent operations on lines of their own; leave it out for the command's own work.
   */
  progress(label: string, done: number, total: number, opts?: { job?: string; finished?: boolean }): void;
}

/**
 * One CLI command. `args` is a zod schema over `{ positionals, ...options }` so every
 * argument is validated at the boundary before `run` sees it.
 */
export interface CommandSpec<A = unknown, R = unknown> {
  name: string;
  summary: string;
  usage: string;
  options?: Record<string, OptionSpec>;
  args: z.ZodType<A>;
  run(ctx: CliContext, args: A): Promise<R> | R;
  /** Human-readable output; defaults to pretty JSON. */
  print?(result: R): string;
  /** Exit code from the result (for example 1 when verify finds a bad snapshot). */
  exitCode?(result: R): number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommand = CommandSpec<any, any>;

export function defineCommand<A, R>(spec: CommandSpec<A, R>): CommandSpec<A, R> {
  return spec;
}
