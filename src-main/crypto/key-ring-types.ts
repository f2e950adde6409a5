import type { KeyFile, KeyKind } from './key-file';
import type { MasterSecret } from './key-derivation';

/**
 * Where key files live. The storage seam's `Backend` (src-main/repository/backend.ts) fits as it
 * is, with kind `key`: saving is atomic (a file appears whole or not at all), `load` fails with
 * `not_found` for a missing file, and removing a missing file succeeds.
 */
export interface KeyHandle {
  kind: 'key';
  name: string;
}
export interface KeyFileStore {
  /** Names, and sizes where the storage gives them (an oversized file is then never loaded). */
  list(kind: 'key'): AsyncIterable<{ name: string; size?: number }>;
  load(h: KeyHandle): Promise<Uint8Array>;
  save(h: KeyHandle, data: Uint8Array, options?: { ifAbsent?: boolean }): Promise<void>;
  remove(h: KeyHandle): Promise<void>;
}

/** A key file as a person sees it in a list: never any secret. */
export interface KeyInfo {
  id: string;
  kind: KeyKind;
  label: string;
  created: string;
  fingerprint: string;
}

export interface KeyListing {
  /** Key files of this store (and of its master, when the ring knows the fingerprint). */
  keys: KeyInfo[];
  /** Files that cannot be used, and why. Never deleted: a person decides. */
  problems: { name: string; reason: string }[];
  /** Well-formed key files of another store (copied in by mistake). Ignored, never deleted. */
  foreign: { name: string; storeId: string }[];
  /** Key files of this store under another master (a rotation in progress). */
  otherMaster: { name: string; fingerprint: string }[];
}

export interface Unlocked {
  master: MasterSecret;
  key: KeyInfo;
}

/** @internal What a listing holds besides what it shows. */
export interface LoadedKeys extends KeyListing {
  files: KeyFile[];
}

export const infoOf = (f: KeyFile): KeyInfo => ({
  id: f.id,
  kind: f.kind,
  label: f.label,
  created: f.created,
  fingerprint: f.fingerprint,
});
