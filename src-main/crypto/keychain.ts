import { z } from 'zod';
import { MASTER_BYTES, MasterSecret } from './key-derivation';

/**
 * Keeping an unlocked master between runs, so backups run unattended. The core never imports
 * Electron: the shell gives a `SecretKeeper` (src-main/electron/secret-keeper.ts wraps
 * `safeStorage` with `safeStorageKeeper`), and tests give a fake.
 */
export interface KeeperStatus {
  available: boolean;
  /** The OS store in use: `keychain` (macOS), `dpapi` (Windows), or Linux's backend name. */
  backend: string;
  /**
   * True when "encrypted" data is readable by anyone who copies the file: Linux's `basic_text`
   * backend encrypts with a key written into Chromium's source, and `unknown` means the app was
   * not ready to say. Then the master is kept only if the person opted in.
   */
  weak: boolean;
}

export interface SecretKeeper {
  status(): Promise<KeeperStatus>;
  encrypt(text: string): Promise<Uint8Array>;
  /** `shouldReEncrypt`: the OS key changed; encrypt again and replace what was stored. */
  decrypt(data: Uint8Array): Promise<{ text: string; shouldReEncrypt: boolean }>;
}

/** The part of Electron's `safeStorage` used: the asynchronous API (the sync one is deprecated in Electron 45). */
export interface SafeStorageLike {
  isAsyncEncryptionAvailable(): Promise<boolean>;
  encryptStringAsync(plainText: string): Promise<Buffer>;
  decryptStringAsync(encrypted: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }>;
  getSelectedStorageBackend(): string;
}

/** A `SecretKeeper` over Electron's `safeStorage`. */
export function safeStorageKeeper(safeStorage: SafeStorageLike, platform: string): SecretKeeper {
  return {
    async status() {
      const available = await safeStorage.isAsyncEncryptionAvailable();
      if (platform === 'darwin') return { available, backend: 'keychain', weak: false };
      if (platform === 'win32') return { available, backend: 'dpapi', weak: false };
      const backend = safeStorage.getSelectedStorageBackend();
      return { available, backend, weak: backend === 'basic_text' || backend === 'unknown' };
    },
    encrypt: (text) => safeStorage.encryptStringAsync(text),
    async decrypt(data) {
      const r = await safeStorage.decryptStringAsync(Buffer.from(data));
      return { text: r.result, shouldReEncrypt: r.shouldReEncrypt };
    },
  };
}

/** Where the keeper's encrypted blob is kept: a 0600 file in the data folder, never the store. */
export interface CacheFile {
  read(): Promise<Uint8Array | null>;
  write(data: Uint8Array): Promise<void>;
  remove(): Promise<void>;
}

export type RememberResult = { kept: true } | { kept: false; reason: 'unavailable' | 'weak_backend' };
export type RecallResult =
  | { master: MasterSecret }
  | { master: null; reason: 'none' | 'unavailable' | 'weak_backend' | 'unreadable' | 'other_store' };

const cachedSchema = z.object({
  v: z.literal(1),
  storeId: z.string(),
  fingerprint: z.string(),
  master: z.string(),
});

/**
 * The master of one store, kept through a `SecretKeeper`. What is encrypted is JSON naming the
 * store and the master's fingerprint, so a blob copied from another data folder, or left from
 * before a master rotation, is never used for this store.
 */
export class MasterCache {
  readonly #keeper: SecretKeeper;
  readonly #file: CacheFile;
  readonly #allowWeak: boolean;

  constructor(keeper: SecretKeeper, file: CacheFile, options: { allowWeak?: boolean } = {}) {
    this.#keeper = keeper;
    this.#file = file;
    this.#allowWeak = options.allowWeak ?? false;
  }

  /** Keeps the master if the keeper protects it (or the person opted in); otherwise removes any earlier copy. */
  async remember(storeId: string, master: MasterSecret): Promise<RememberResult> {
    const status = await this.#keeper.status();
    const refused: RememberResult | null = !status.available
      ? { kept: false, reason: 'unavailable' }
      : status.weak && !this.#allowWeak
        ? { kept: false, reason: 'weak_backend' }
        : null;
    if (refused) {
      await this.#file.remove();
      return refused;
    }
    await this.#file.write(await this.#keeper.encrypt(this.#text(storeId, master)));
    return { kept: true };
  }

  /** The kept master of `storeId` whose fingerprint is `fingerprint`, or why there is none. */
  async recall(storeId: string, fingerprint: string): Promise<RecallResult> {
    const status = await this.#keeper.status();
    if (!status.available) return { master: null, reason: 'unavailable' };
    if (status.weak && !this.#allowWeak) return { master: null, reason: 'weak_backend' };
    const blob = await this.#file.read();
    if (!blob) return { master: null, reason: 'none' };
    let opened: { text: string; shouldReEncrypt: boolean };
    let master: MasterSecret;
    try {
      opened = await this.#keeper.decrypt(blob);
      const c = cachedSchema.parse(JSON.parse(opened.text));
      if (c.storeId !== storeId || c.fingerprint !== fingerprint) return { master: null, reason: 'other_store' };
      const bytes = Buffer.from(c.master, 'base64');
      if (bytes.length !== MASTER_BYTES) return { master: null, reason: 'unreadable' };
      master = new MasterSecret(bytes);
      if (master.fingerprint !== fingerprint) return { master: null, reason: 'unreadable' };
    } catch {
      // Another user's keychain, a reset keyring, a damaged file: ask for the passphrase instead.
      return { master: null, reason: 'unreadable' };
    }
    if (opened.shouldReEncrypt) await this.#file.write(await this.#keeper.encrypt(opened.text));
    return { master };
  }

  async forget(): Promise<void> {
    await this.#file.remove();
  }

  #text(storeId: string, master: MasterSecret): string {
    return JSON.stringify({
      v: 1,
      storeId,
      fingerprint: master.fingerprint,
      master: master.reveal().toString('base64'),
    });
  }
}
