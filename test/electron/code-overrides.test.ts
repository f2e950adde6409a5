import { describe, expect, it } from 'vitest';
import {
  applyCodeOverrides,
  CODE_OVERRIDE_VARIABLES,
  resolveCodeOverrides,
} from '../../src-main/electron/code-overrides';

const attackerEnv = { STRATA_SQLITE_BINDING: '/tmp/evil.node', STRATA_DIST_DIR: '/tmp/evil-dist', HOME: '/home/x' };

describe('environment variables that choose code', () => {
  it('the packaged app drops both, even over the dev binding, and says which it ignored', () => {
    const o = resolveCodeOverrides({
      isPackaged: true,
      env: attackerEnv,
      devSqliteBinding: '/app/.electron-native/b.node',
    });
    expect(o.values).toEqual({ STRATA_SQLITE_BINDING: undefined, STRATA_DIST_DIR: undefined });
    expect(o.ignored).toEqual(['STRATA_SQLITE_BINDING', 'STRATA_DIST_DIR']);

    const env: Record<string, string | undefined> = { ...attackerEnv };
    applyCodeOverrides(env, o);
    // Removed from the environment that the database code and every worker thread read.
    for (const name of CODE_OVERRIDE_VARIABLES) expect(name in env, name).toBe(false);
    expect(env.HOME).toBe('/home/x');
  });

  it('the packaged app reports nothing when neither is set', () => {
    const o = resolveCodeOverrides({ isPackaged: true, env: { STRATA_DIST_DIR: ' ' }, devSqliteBinding: null });
    expect(o.ignored).toEqual([]);
  });

  it('a development run honours both, and falls back to the Electron build of better-sqlite3', () => {
    const given = resolveCodeOverrides({ isPackaged: false, env: attackerEnv, devSqliteBinding: '/repo/b.node' });
    expect(given.values).toEqual({ STRATA_SQLITE_BINDING: '/tmp/evil.node', STRATA_DIST_DIR: '/tmp/evil-dist' });
    expect(given.ignored).toEqual([]);

    const fallback = resolveCodeOverrides({ isPackaged: false, env: {}, devSqliteBinding: '/repo/b.node' });
    expect(fallback.values).toEqual({ STRATA_SQLITE_BINDING: '/repo/b.node', STRATA_DIST_DIR: undefined });
    const env: Record<string, string | undefined> = {};
    applyCodeOverrides(env, fallback);
    expect(env).toEqual({ STRATA_SQLITE_BINDING: '/repo/b.node' });
  });
});
