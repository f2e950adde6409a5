/**
 * Environment variables that make Strata load code from a path of the caller's choosing: a
 * better_sqlite3.node (STRATA_SQLITE_BINDING) or worker bundles (STRATA_DIST_DIR). They exist
 * for development and benchmarks. A packaged app ignores them: anyone who can set its
 * environment could otherwise run their own native code inside it, past the asar integrity
 * check and the fuses. Kept free of `electron` so the decision is testable in plain Node.
 */
export const CODE_OVERRIDE_VARIABLES = ['STRATA_SQLITE_BINDING', 'STRATA_DIST_DIR'] as const;
export type CodeOverrideVariable = (typeof CODE_OVERRIDE_VARIABLES)[number];

export interface CodeOverrides {
  /** The value each variable must have for the rest of the process (undefined: unset it). */
  values: Record<CodeOverrideVariable, string | undefined>;
  /** Variables that were set but are ignored, for a warning in the log. */
  ignored: CodeOverrideVariable[];
}

export interface CodeOverrideInput {
  isPackaged: boolean;
  env: Readonly<Record<string, string | undefined>>;
  /** The Electron-ABI build of better-sqlite3 that `npm start` prepares, if it exists. */
  devSqliteBinding: string | null;
}

const nonEmpty = (v: string | undefined): string | undefined => (v && v.trim() !== '' ? v : undefined);

export function resolveCodeOverrides(input: CodeOverrideInput): CodeOverrides {
  if (input.isPackaged) {
    return {
      // The package ships better-sqlite3 rebuilt for Electron and its workers inside the asar.
      values: { STRATA_SQLITE_BINDING: undefined, STRATA_DIST_DIR: undefined },
      ignored: CODE_OVERRIDE_VARIABLES.filter((name) => nonEmpty(input.env[name]) !== undefined),
    };
  }
  return {
    values: {
      // node_modules holds the Node build of better-sqlite3, which Electron cannot load.
      STRATA_SQLITE_BINDING: nonEmpty(input.env.STRATA_SQLITE_BINDING) ?? input.devSqliteBinding ?? undefined,
      STRATA_DIST_DIR: nonEmpty(input.env.STRATA_DIST_DIR),
    },
    ignored: [],
  };
}

/**
 * Writes the decision into the environment the database code and worker threads read (workers
 * copy the environment when they start, so this runs before any of them).
 */
export function applyCodeOverrides(env: Record<string, string | undefined>, overrides: CodeOverrides): void {
  for (const name of CODE_OVERRIDE_VARIABLES) {
    const value = overrides.values[name];
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
}
