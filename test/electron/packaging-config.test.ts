import fs from 'node:fs';
import path from 'node:path';
import Module from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIST, ensureMainBundle, ROOT } from './main-bundle';

/**
 * electron-builder.yml as electron-builder 26 itself reads and validates it (its own loader and
 * scheme.json), so a misspelt fuse or option fails here rather than being ignored at package time.
 */
interface BuilderConfig {
  electronFuses?: Record<string, boolean>;
  asar?: { smartUnpack?: boolean } | boolean;
  asarUnpack?: string[] | string;
}
const load = Module.createRequire(path.join(ROOT, 'package.json'));
const builderConfig = load('app-builder-lib/out/util/config/config') as {
  getConfig(projectDir: string, configPath: string, fromOptions: null): Promise<BuilderConfig>;
  validateConfiguration(config: BuilderConfig, logger: unknown): Promise<void>;
};
const { DebugLogger } = load('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
// The matcher electron-builder applies asarUnpack with, with the options it uses.
const { minimatch } = Module.createRequire(load.resolve('app-builder-lib'))('minimatch') as {
  minimatch(file: string, pattern: string, opts: { dot: boolean }): boolean;
};

function unpackedBy(config: BuilderConfig): (file: string) => boolean {
  const patterns = [config.asarUnpack ?? []].flat();
  return (file) => patterns.some((p) => minimatch(file, p, { dot: true }));
}

/** Files below `dir`, relative to the project; `ownOnly` leaves out nested packages. */
function filesUnder(dir: string, out: string[] = [], ownOnly = false): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!(ownOnly && entry.name === 'node_modules')) filesUnder(p, out, ownOnly);
    } else out.push(path.relative(ROOT, p).split(path.sep).join('/'));
  }
  return out;
}

/** Where Node would find `name` from `fromDir`: the nearest node_modules/<name> up the tree. */
function packageDir(name: string, fromDir: string): string {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`${name} is not installed (needed from ${fromDir})`);
  }
}

/** The folders of every package the app ships: its dependencies and theirs, not devDependencies. */
function runtimePackages(): string[] {
  const seen = new Set<string>();
  const visit = (dir: string) => {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const name of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
      let found: string;
      try {
        found = packageDir(name, dir);
      } catch (e) {
        if (pkg.optionalDependencies?.[name]) continue;
        throw e;
      }
      if (!seen.has(found)) {
        seen.add(found);
        visit(found);
      }
    }
  };
  visit(ROOT);
  return [...seen];
}

describe('electron-builder.yml', () => {
  let config: BuilderConfig;
  beforeAll(async () => {
    ensureMainBundle();
    config = await builderConfig.getConfig(ROOT, path.join(ROOT, 'electron-builder.yml'), null);
  });

  it("passes electron-builder's own schema check, which refuses unknown keys", async () => {
    await expect(builderConfig.validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    const misspelt = { ...config, electronFuses: { ...config.electronFuses, runAsNod: false } };
    await expect(builderConfig.validateConfiguration(misspelt, new DebugLogger(false))).rejects.toThrow(
      /electronFuses/,
    );
  });

  it('sets every fuse that keeps the packaged app from running code it did not ship', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
    });
  });

  it('unpacks the native module and no JavaScript, so the asar integrity check covers all code', () => {
    // smartUnpack would unpack every module folder holding a .node file, JavaScript and all.
    expect(typeof config.asar === 'object' && config.asar.smartUnpack).toBe(false);
    const unpacked = unpackedBy(config);
    // The files that are packaged: the built bundles and the one runtime module with native code.
    const packaged = [...filesUnder(DIST), ...filesUnder(path.join(ROOT, 'node_modules', 'better-sqlite3'))];
    const scripts = packaged.filter((f) => /\.(c|m)?js$/.test(f));
    expect(scripts).toContain('dist/workers/snapshot.cjs');
    expect(scripts).toContain('node_modules/better-sqlite3/lib/database.js');
    expect(scripts.filter(unpacked)).toEqual([]);
    expect(unpacked('node_modules/better-sqlite3/build/Release/better_sqlite3.node')).toBe(true);
  });

  it('unpacks every native file the app ships, since smartUnpack no longer finds them', () => {
    const packages = runtimePackages();
    expect(packages.map((p) => path.basename(p))).toContain('better-sqlite3');
    const native = packages
      .flatMap((dir) => filesUnder(dir, [], true))
      .filter((f) => /\.(node|so|dylib|dll|exe)$/.test(f));
    expect(native.length).toBeGreaterThan(0);
    expect(native.filter((f) => !unpackedBy(config)(f))).toEqual([]);
  });
});
