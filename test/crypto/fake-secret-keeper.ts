import crypto from 'node:crypto';
import type { CacheFile, SafeStorageLike } from '../../src-main/crypto';

/**
 * Electron's safeStorage, faked: AES-GCM under a key the "OS" holds, a Linux backend name that a
 * test sets, and a key rotation after which decrypting says shouldReEncrypt.
 */
export class FakeSafeStorage implements SafeStorageLike {
  backend = 'gnome_libsecret';
  available = true;
  private keys = [crypto.randomBytes(32)];
  calls: string[] = [];

  rotateOsKey(): void {
    this.keys.push(crypto.randomBytes(32));
  }
  /** Another user's keychain: nothing this one encrypted opens. */
  forgetKeys(): void {
    this.keys = [crypto.randomBytes(32)];
  }
  async isAsyncEncryptionAvailable(): Promise<boolean> {
    this.calls.push('isAsyncEncryptionAvailable');
    return this.available;
  }
  getSelectedStorageBackend(): string {
    this.calls.push('getSelectedStorageBackend');
    return this.backend;
  }
  async encryptStringAsync(plainText: string): Promise<Buffer> {
    this.calls.push('encryptStringAsync');
    const n = this.keys.length - 1;
    const iv = crypto.randomBytes(12);
    const c = crypto.createCipheriv('aes-256-gcm', this.keys[n]!, iv);
    const body = Buffer.concat([c.update(plainText, 'utf8'), c.final()]);
    return Buffer.concat([Buffer.from([n]), iv, c.getAuthTag(), body]);
  }
  async decryptStringAsync(encrypted: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }> {
    this.calls.push('decryptStringAsync');
    const n = encrypted[0]!;
    const key = this.keys[n];
    if (!key) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    const d = crypto.createDecipheriv('aes-256-gcm', key, encrypted.subarray(1, 13), { authTagLength: 16 });
    d.setAuthTag(encrypted.subarray(13, 29));
    const result = Buffer.concat([d.update(encrypted.subarray(29)), d.final()]).toString('utf8');
    return { result, shouldReEncrypt: n !== this.keys.length - 1 };
  }
}

export class MemoryCacheFile implements CacheFile {
  data: Buffer | null = null;
  writes = 0;
  async read(): Promise<Buffer | null> {
    return this.data;
  }
  async write(data: Uint8Array): Promise<void> {
    this.writes++;
    this.data = Buffer.from(data);
  }
  async remove(): Promise<void> {
    this.data = null;
  }
}
