import path from 'node:path';

/** Where each kind of file lives inside a store folder (`<data>/backups/store/`). */
export interface StorePaths {
  root: string;
  packs: string;
  index: string;
  manifests: string;
  locks: string;
}

export function storePaths(root: string): StorePaths {
  return {
    root,
    packs: path.join(root, 'packs'),
    index: path.join(root, 'index'),
    manifests: path.join(root, 'manifests'),
    locks: path.join(root, 'locks'),
  };
}

/** The store folder of a data folder. */
export function storeDirOf(dataDir: string): string {
  return path.join(dataDir, 'backups', 'store');
}

export function packFile(paths: StorePaths, packId: string): string {
  return path.join(paths.packs, packId.slice(0, 2), `${packId}.pack`);
}

export function indexFile(paths: StorePaths, indexId: string): string {
  return path.join(paths.index, `${indexId}.idx`);
}

export function manifestFile(paths: StorePaths, manifestId: string): string {
  return path.join(paths.manifests, `${manifestId}.json`);
}

export const HEX64 = /^[0-9a-f]{64}$/;
export const MANIFEST_ID = /^[0-9A-Za-z][0-9A-Za-z_-]{0,127}$/;

/** Temp files are hidden and end in .tmp, so every listing can skip them. */
export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}
