import { describe, expect, it } from 'vitest';
import { MasterCache, MasterSecret, safeStorageKeeper } from '../../src-main/crypto';
import { FakeSafeStorage, MemoryCacheFile } from './fake-secret-keeper';

function setup(platform = 'linux', allowWeak = false) {
  const ss = new FakeSafeStorage();
  const file = new MemoryCacheFile();
  const cache = new MasterCache(safeStorageKeeper(ss, platform), file, { allowWeak });
  return { ss, file, cache, master: MasterSecret.generate() };
}

describe('keeping the unlocked master in the OS keychain', () => {
  it('keeps it through the asynchronous safeStorage API and gives it back for the same store', async () => {
    const { ss, file, cache, master } = setup();
    expect(await cache.remember('store-1', master)).toEqual({ kept: true });
    expect(file.data).not.toBeNull();
    expect(file.data!.toString('latin1')).not.toContain(master.reveal().toString('base64'));
    const back = await cache.recall('store-1', master.fingerprint);
    expect(back.master?.equals(master)).toBe(true);
    expect(ss.calls).not.toContain('encryptString');
    expect(ss.calls).toContain('isAsyncEncryptionAvailable');
  });

  it('does not keep it on Linux basic_text unless the person opted in, and removes an earlier copy', async () => {
    const { ss, file, cache, master } = setup();
    await cache.remember('store-1', master);
    ss.backend = 'basic_text';
    expect(await cache.remember('store-1', master)).toEqual({ kept: false, reason: 'weak_backend' });
    expect(file.data).toBeNull();
    expect(await cache.recall('store-1', master.fingerprint)).toEqual({ master: null, reason: 'weak_backend' });
    ss.backend = 'unknown';
    expect(await cache.remember('store-1', master)).toMatchObject({ kept: false });

    const optedIn = setup('linux', true);
    optedIn.ss.backend = 'basic_text';
    expect(await optedIn.cache.remember('store-1', optedIn.master)).toEqual({ kept: true });
    expect((await optedIn.cache.recall('store-1', optedIn.master.fingerprint)).master).not.toBeNull();
  });

  it('asks the backend name only on Linux', async () => {
    for (const [platform, backend] of [
      ['darwin', 'keychain'],
      ['win32', 'dpapi'],
    ] as const) {
      const { ss } = setup(platform);
      ss.backend = 'basic_text';
      const status = await safeStorageKeeper(ss, platform).status();
      expect(status).toEqual({ available: true, backend, weak: false });
      expect(ss.calls).not.toContain('getSelectedStorageBackend');
    }
  });

  it('encrypts again when safeStorage says shouldReEncrypt', async () => {
    const { ss, file, cache, master } = setup();
    await cache.remember('store-1', master);
    const first = Buffer.from(file.data!);
    ss.rotateOsKey();
    expect((await cache.recall('store-1', master.fingerprint)).master?.equals(master)).toBe(true);
    expect(file.writes).toBe(2);
    expect(file.data!.equals(first)).toBe(false);
    expect((await cache.recall('store-1', master.fingerprint)).master?.equals(master)).toBe(true);
    expect(file.writes).toBe(2);
  });

  it("never hands one store's master to another store, or after a rotation", async () => {
    const { cache, master } = setup();
    await cache.remember('store-1', master);
    expect(await cache.recall('store-2', master.fingerprint)).toEqual({ master: null, reason: 'other_store' });
    expect(await cache.recall('store-1', MasterSecret.generate().fingerprint)).toEqual({
      master: null,
      reason: 'other_store',
    });
  });

  it('falls back to asking when the keychain cannot open the blob, is unavailable, or holds nothing', async () => {
    const { ss, file, cache, master } = setup();
    expect(await cache.recall('store-1', master.fingerprint)).toEqual({ master: null, reason: 'none' });
    await cache.remember('store-1', master);
    ss.forgetKeys();
    expect(await cache.recall('store-1', master.fingerprint)).toEqual({ master: null, reason: 'unreadable' });
    expect(file.data).not.toBeNull(); // kept: the keychain may come back
    file.data = Buffer.from('garbage');
    expect(await cache.recall('store-1', master.fingerprint)).toEqual({ master: null, reason: 'unreadable' });
    ss.available = false;
    expect(await cache.remember('store-1', master)).toEqual({ kept: false, reason: 'unavailable' });
    expect(await cache.recall('store-1', master.fingerprint)).toEqual({ master: null, reason: 'unavailable' });
    await cache.forget();
    expect(file.data).toBeNull();
  });
});
