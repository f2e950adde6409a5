import { isStrataError, StrataError } from '../core/errors';
import { MasterSecret } from './key-derivation';
import {
  KEY_FILE_MAX_BYTES,
  keyFileName,
  makeKeyFile,
  parseKeyFile,
  serializeKeyFile,
  unwrapMaster,
  type KeyFile,
  type KeyKind,
  type KeySecret,
} from './key-file';
import { checkNewPassphrase, type ScryptParams } from './passphrase-kdf';
import { RecoveryKey } from './recovery-key';
import { unlockOne, noUsableKeys } from './key-ring-unlock';
import {
  infoOf,
  type KeyFileStore,
  type KeyHandle,
  type KeyInfo,
  type KeyListing,
  type LoadedKeys,
  type Unlocked,
} from './key-ring-types';
import type { UnlockThrottle } from './unlock-throttle';

export interface KeyRingOptions {
  storeId: string;
  files: KeyFileStore;
  /** The master the store's (authenticated) config names; key files of another master are set aside. */
  fingerprint?: string;
  /** Slows repeated wrong passphrases; see unlock-throttle.ts. */
  throttle?: UnlockThrottle;
  /** For new passphrase key files (tests use small ones). */
  scrypt?: ScryptParams;
  now?: () => Date;
}

const handle = (name: string): KeyHandle => ({ kind: 'key', name });

/**
 * The operations on a store's set of key files. None re-encrypts data: every key file wraps the
 * same master. Nothing here deletes a key file except `changePassphrase` (the old file, once the
 * new one is stored and proven) and `revoke` (which puts the file back if it turns out to have
 * been the last). Run these under the store's writer lock where there is one; without it they
 * still never leave a store with no key, except for a process killed inside `revoke` while
 * another revoke runs (see `revoke`).
 */
export class KeyRing {
  readonly #o: KeyRingOptions;

  constructor(options: KeyRingOptions) {
    this.#o = options;
  }

  get storeId(): string {
    return this.#o.storeId;
  }

  async list(): Promise<KeyListing> {
    const { files: _files, ...listing } = await this.#load();
    return listing;
  }

  /**
   * An encrypted store's key material: a new master, a passphrase key file, and a recovery key
   * with its key file (written in that order; a crash between leaves a passphrase key and no
   * recovery key, which `list` shows and `addRecoveryKey` completes). Refused when the store
   * already has key files. The caller shows the recovery key once and asks for confirmation that
   * it was saved before it turns encryption on.
   */
  async create(o: { passphrase: string; passphraseLabel?: string; recoveryLabel?: string }): Promise<{
    master: MasterSecret;
    passphraseKey: KeyInfo;
    recoveryKey: RecoveryKey;
    recoveryKeyInfo: KeyInfo;
  }> {
    checkNewPassphrase(o.passphrase);
    const loaded = await this.#load();
    if (loaded.files.length || loaded.otherMaster.length) {
      throw new StrataError(
        'already_exists',
        'This store already has key files: unlock it with its passphrase or recovery key instead.',
      );
    }
    const master = MasterSecret.generate();
    const passphraseKey = await this.#add(master, 'passphrase', o.passphraseLabel ?? 'Passphrase', {
      passphrase: o.passphrase,
    });
    const recoveryKey = RecoveryKey.generate();
    const recoveryKeyInfo = await this.#add(master, 'recovery', o.recoveryLabel ?? this.#recoveryLabel(), {
      recoveryKey,
    });
    return { master, passphraseKey, recoveryKey, recoveryKeyInfo };
  }

  /** The master, from a passphrase (throttled) or a recovery key (text as typed, or parsed). */
  async unlock(secret: KeySecret | { recoveryKeyText: string }): Promise<Unlocked> {
    const s: KeySecret =
      'recoveryKeyText' in secret ? { recoveryKey: RecoveryKey.parse(secret.recoveryKeyText) } : secret;
    const loaded = await this.#load();
    const kind: KeyKind = 'passphrase' in s ? 'passphrase' : 'recovery';
    const candidates = loaded.files
      .filter((f) => f.kind === kind)
      .sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
    if (!candidates.length) throw noUsableKeys(kind, loaded);
    if (kind === 'passphrase' && this.#o.throttle)
      return this.#o.throttle.attempt(() => unlockOne(candidates, s, loaded));
    const unlocked = await unlockOne(candidates, s, loaded);
    await this.#o.throttle?.reset();
    return unlocked;
  }

  /** Adds a passphrase key file for a master the caller holds (unlocked, or from the keychain). */
  async addPassphrase(master: MasterSecret, passphrase: string, label = 'Passphrase'): Promise<KeyInfo> {
    checkNewPassphrase(passphrase);
    await this.#checkMaster(master);
    return this.#add(master, 'passphrase', label, { passphrase });
  }

  /** A new recovery key and its key file; the caller shows it once. */
  async addRecoveryKey(master: MasterSecret, label?: string): Promise<{ info: KeyInfo; recoveryKey: RecoveryKey }> {
    await this.#checkMaster(master);
    const recoveryKey = RecoveryKey.generate();
    const info = await this.#add(master, 'recovery', label ?? this.#recoveryLabel(), { recoveryKey });
    return { info, recoveryKey };
  }

  /**
   * Writes a key file for the new passphrase, reads it back and proves it opens to the master,
   * then removes the file the old passphrase opened. A crash at any instant leaves the old
   * passphrase working, or the new one (or both, until the old file is removed).
   */
  async changePassphrase(
    oldPassphrase: string,
    newPassphrase: string,
    label?: string,
  ): Promise<{ master: MasterSecret; removed: string; added: KeyInfo }> {
    checkNewPassphrase(newPassphrase);
    const { master, key } = await this.unlock({ passphrase: oldPassphrase });
    const added = await this.#add(master, 'passphrase', label ?? key.label, { passphrase: newPassphrase });
    await this.#o.files.remove(handle(keyFileName(key.id)));
    return { master, removed: key.id, added };
  }

  /**
   * Removes one key file (a recovery key that may have been seen, a passphrase no longer used).
   * Refused when no other key file of the same master would remain. If another revoke ran at the
   * same time and the store is left with none, the file is put back and `last_key` thrown.
   * Revoking does not make old copies of the key file useless: whoever holds a copy of it and its
   * secret can still unwrap the master. After a suspected compromise, rotate the master.
   */
  async revoke(master: MasterSecret, keyId: string): Promise<void> {
    const loaded = await this.#load();
    const target = loaded.files.find((f) => f.id === keyId);
    if (!target) throw new StrataError('not_found', `There is no key ${keyId} in this store.`);
    if (target.fingerprint !== master.fingerprint) {
      throw new StrataError('invalid_input', 'That key file belongs to another master key; nothing was removed.');
    }
    const sameMaster = (files: KeyFile[]) => files.filter((f) => f.fingerprint === master.fingerprint);
    if (sameMaster(loaded.files).length < 2) throw lastKey();
    const h = handle(keyFileName(keyId));
    const bytes = serializeKeyFile(target);
    await this.#o.files.remove(h);
    const after = await this.#load();
    if (sameMaster(after.files).length === 0) {
      await this.#o.files.save(h, bytes);
      throw lastKey();
    }
  }

  #recoveryLabel(): string {
    return `Recovery key of ${(this.#o.now?.() ?? new Date()).toISOString().slice(0, 10)}`;
  }

  /** A master may get new key files only where it is the store's master. */
  async #checkMaster(master: MasterSecret): Promise<void> {
    if (this.#o.fingerprint !== undefined) {
      if (master.fingerprint !== this.#o.fingerprint) throw otherMaster();
      return;
    }
    const loaded = await this.#load();
    const fingerprints = new Set([...loaded.files.map((f) => f.fingerprint)]);
    // With no key file left at all, a master held elsewhere (the keychain) may write new ones.
    if (fingerprints.size && !fingerprints.has(master.fingerprint)) throw otherMaster();
  }

  /** Makes, stores (never over another file) and proves a key file: it must read back and open. */
  async #add(master: MasterSecret, kind: KeyKind, label: string, secret: KeySecret): Promise<KeyInfo> {
    const { file, kek } = await makeKeyFile({
      storeId: this.#o.storeId,
      kind,
      label,
      master,
      secret,
      ...(this.#o.scrypt ? { scrypt: this.#o.scrypt } : {}),
      ...(this.#o.now ? { created: this.#o.now() } : {}),
    });
    const name = keyFileName(file.id);
    await this.#o.files.save(handle(name), serializeKeyFile(file), { ifAbsent: true });
    let proven = false;
    try {
      const back = parseKeyFile(await this.#o.files.load(handle(name)), name);
      proven = unwrapMaster(back, kek)?.equals(master) === true;
    } catch (e) {
      if (!isStrataError(e)) throw e;
    }
    if (!proven) {
      await this.#o.files.remove(handle(name));
      throw new StrataError(
        'write_failed',
        'The new key file did not read back intact, so it was not kept. Try again.',
      );
    }
    return infoOf(file);
  }

  async #load(): Promise<LoadedKeys> {
    const out: LoadedKeys = { keys: [], problems: [], foreign: [], otherMaster: [], files: [] };
    const listed: { name: string; size?: number }[] = [];
    for await (const f of this.#o.files.list('key')) listed.push({ name: f.name, size: f.size });
    listed.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const { name, size } of listed) {
      if (size !== undefined && size > KEY_FILE_MAX_BYTES) {
        out.problems.push({ name, reason: `it is ${size} bytes, too large` });
        continue;
      }
      let bytes: Uint8Array;
      try {
        bytes = await this.#o.files.load(handle(name));
      } catch (e) {
        if (isStrataError(e) && e.code === 'not_found') continue; // removed meanwhile (a passphrase change)
        out.problems.push({ name, reason: e instanceof Error ? e.message : String(e) });
        continue;
      }
      let file: KeyFile;
      try {
        file = parseKeyFile(bytes, name);
      } catch (e) {
        out.problems.push({ name, reason: isStrataError(e) && 'reason' in e ? String(e.reason) : String(e) });
        continue;
      }
      if (file.storeId !== this.#o.storeId) out.foreign.push({ name, storeId: file.storeId });
      else if (this.#o.fingerprint !== undefined && file.fingerprint !== this.#o.fingerprint)
        out.otherMaster.push({ name, fingerprint: file.fingerprint });
      else {
        out.files.push(file);
        out.keys.push(infoOf(file));
      }
    }
    return out;
  }
}

const lastKey = () =>
  new StrataError('last_key', 'This is the only key that can unlock the backups, so it was not removed.');
const otherMaster = () =>
  new StrataError('invalid_input', "That key is not this store's master key; no key file was written.");
