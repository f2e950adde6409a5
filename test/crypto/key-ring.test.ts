import { describe, expect, it } from 'vitest';
import { KeyRing, UnlockThrottle, type KeyFileStore, type KeyRingOptions } from '../../src-main/crypto';
import type { Backend } from '../../src-main/repository/backend';
import { FAST_SCRYPT, MemoryAttemptLog, MemoryKeyFiles, expectCode } from './helpers';

const PASS = 'first passphrase, long enough';
const NEXT = 'second passphrase, also long';

function ring(files: MemoryKeyFiles, more: Partial<KeyRingOptions> = {}): KeyRing {
  return new KeyRing({ storeId: 'store-1', files, scrypt: FAST_SCRYPT, ...more });
}

async function created(files = new MemoryKeyFiles(), storeId = 'store-1') {
  const r = ring(files, { storeId });
  const made = await r.create({ passphrase: PASS });
  return { files, r, ...made };
}

describe("a store's key files", () => {
  it('takes the storage seam\'s Backend as its storage, with kind "key"', () => {
    // Compiles only while Backend fits the interface the key ring needs.
    const fits = (b: Backend): KeyFileStore => b;
    expect(fits).toBeTypeOf('function');
  });

  it('creates a passphrase key and a recovery key; either unlocks to the same master', async () => {
    const { files, r, master, passphraseKey, recoveryKey, recoveryKeyInfo } = await created();
    expect(files.files.size).toBe(2);
    expect(passphraseKey.kind).toBe('passphrase');
    expect(recoveryKeyInfo.kind).toBe('recovery');
    const a = await r.unlock({ passphrase: PASS });
    expect(a.master.equals(master)).toBe(true);
    expect(a.key.id).toBe(passphraseKey.id);
    const b = await r.unlock({ recoveryKeyText: recoveryKey.format().toLowerCase() });
    expect(b.master.equals(master)).toBe(true);
    expect(b.key.id).toBe(recoveryKeyInfo.id);
    const listing = await r.list();
    expect(listing.keys.map((k) => k.kind).sort()).toEqual(['passphrase', 'recovery']);
    expect(JSON.stringify(listing)).not.toContain(recoveryKey.format());
    await expectCode(r.create({ passphrase: PASS }), 'already_exists');
    await expectCode(ring(new MemoryKeyFiles()).create({ passphrase: 'short' }), 'invalid_input');
  });

  it('answers a wrong passphrase with wrong_passphrase and changes nothing', async () => {
    const { files, r } = await created();
    const before = files.snapshot();
    const e = await expectCode(r.unlock({ passphrase: 'not the passphrase' }), 'wrong_passphrase');
    expect(e.message).not.toContain('not the passphrase');
    expect(files.snapshot()).toEqual(before);
    await expectCode(r.unlock({ recoveryKeyText: 'abc' }), 'invalid_recovery_key');
    const other = await created();
    await expectCode(r.unlock({ recoveryKeyText: other.recoveryKey.format() }), 'wrong_recovery_key');
  });

  it('sets aside a key file from another store, and a truncated one, and still unlocks with the rest', async () => {
    const { files, r, master, passphraseKey } = await created();
    const other = await created(new MemoryKeyFiles(), 'store-2');
    for (const [name, bytes] of other.files.files) files.files.set(name, bytes);
    // A huge file is set aside by its listed size, never loaded.
    files.files.set('0'.repeat(32) + '.json', Buffer.alloc(100_000, 0x20));
    let loadedHuge = false;
    files.beforeEach = async (op, n) => void (op === 'load' && n.startsWith('0000') && (loadedHuge = true));
    const name = `${passphraseKey.id}.json`;
    const truncated = files.files.get(name)!.subarray(0, 200);
    files.files.set(name, truncated);
    const listing = await r.list();
    expect(listing.foreign.map((f) => f.storeId)).toEqual(['store-2', 'store-2']);
    expect(listing.problems).toEqual([
      { name: '0'.repeat(32) + '.json', reason: 'it is 100000 bytes, too large' },
      { name, reason: 'it is not complete JSON (cut short?)' },
    ]);
    expect(loadedHuge).toBe(false);
    expect(listing.keys.map((k) => k.kind)).toEqual(['recovery']);
    // The other store's passphrase is the same text, but its key files are not this store's.
    const e = await expectCode(r.unlock({ passphrase: PASS }), 'no_key_files');
    expect(e.message).toMatch(/recovery key is the only way/);
    const unlocked = await r.unlock({ recoveryKeyText: (await created()).recoveryKey.format() }).catch((x) => x);
    expect(unlocked.code).toBe('wrong_recovery_key');
    // Nothing was removed or rewritten along the way.
    expect(files.files.get(name)).toEqual(truncated);
    expect(files.files.size).toBe(5);
    expect(master.fingerprint).not.toBe(other.master.fingerprint);
  });

  it('says plainly when every key file is gone, and deletes nothing', async () => {
    const files = new MemoryKeyFiles();
    const r = ring(files);
    for (const secret of [{ passphrase: PASS }, { recoveryKeyText: (await created()).recoveryKey.format() }]) {
      const e = await expectCode(r.unlock(secret), 'no_key_files');
      expect(e.message).toMatch(/there are no key files/);
      expect(e.message).toMatch(/Nothing was deleted/);
      expect(e.message).toMatch(/Put back the keys folder/);
    }
    const { files: f2, r: r2 } = await created();
    for (const [name, b] of f2.files) f2.files.set(name, b.subarray(0, 10));
    const e = await expectCode(r2.unlock({ passphrase: PASS }), 'no_key_files');
    expect(e.message).toMatch(/none of the 2 key files here can be used/);
    expect([...f2.files.values()].every((b) => b.length === 10)).toBe(true);
  });

  it('adds a passphrase, and the master held from the keychain can write keys into an emptied folder', async () => {
    const { files, r, master } = await created();
    await r.addPassphrase(master, NEXT, 'Laptop');
    expect((await r.unlock({ passphrase: NEXT })).key.label).toBe('Laptop');
    expect((await r.unlock({ passphrase: PASS })).master.equals(master)).toBe(true);
    const stranger = (await created()).master;
    await expectCode(r.addPassphrase(stranger, NEXT), 'invalid_input');
    files.files.clear();
    await r.addPassphrase(master, NEXT);
    expect((await r.unlock({ passphrase: NEXT })).master.equals(master)).toBe(true);
  });

  it('changes a passphrase: the new one works, the old one no longer does, the recovery key still does', async () => {
    const { files, r, master, passphraseKey, recoveryKey } = await created();
    const changed = await r.changePassphrase(PASS, NEXT);
    expect(changed.removed).toBe(passphraseKey.id);
    expect(changed.master.equals(master)).toBe(true);
    expect(files.files.has(`${passphraseKey.id}.json`)).toBe(false);
    expect((await r.unlock({ passphrase: NEXT })).master.equals(master)).toBe(true);
    await expectCode(r.unlock({ passphrase: PASS }), 'wrong_passphrase');
    expect((await r.unlock({ recoveryKeyText: recoveryKey.format() })).master.equals(master)).toBe(true);
    await expectCode(r.changePassphrase('wrong one, long enough', 'x'.repeat(12)), 'wrong_passphrase');
    await expectCode(r.changePassphrase(NEXT, 'short'), 'invalid_input');
  });

  it('keeps the old key file when the new one does not read back intact', async () => {
    const { files, r, passphraseKey } = await created();
    files.beforeEach = async (op, name) => {
      if (op === 'load' && name !== `${passphraseKey.id}.json` && files.files.size === 3) {
        const b = files.files.get(name);
        if (b) files.files.set(name, b.subarray(0, b.length - 30));
      }
    };
    await expectCode(r.changePassphrase(PASS, NEXT), 'write_failed');
    files.beforeEach = null;
    expect(files.files.size).toBe(2);
    expect(files.files.has(`${passphraseKey.id}.json`)).toBe(true);
    await r.unlock({ passphrase: PASS });
  });

  it('races two passphrase changes of the same key: both new passphrases work, nothing is lost', async () => {
    const { files, master } = await created();
    // Each step of each change yields, so the two interleave at every await.
    files.beforeEach = () => new Promise((resolve) => setImmediate(resolve));
    const [a, b] = await Promise.all([
      ring(files).changePassphrase(PASS, 'change from window A'),
      ring(files).changePassphrase(PASS, 'change from window B'),
    ]);
    files.beforeEach = null;
    expect(a.master.equals(master) && b.master.equals(master)).toBe(true);
    for (const p of ['change from window A', 'change from window B'])
      expect((await ring(files).unlock({ passphrase: p })).master.equals(master)).toBe(true);
    await expectCode(ring(files).unlock({ passphrase: PASS }), 'wrong_passphrase');
  });

  it('races changes of two different passphrase key files: each keeps working', async () => {
    const { files, r, master } = await created();
    await r.addPassphrase(master, NEXT);
    files.beforeEach = () => new Promise((resolve) => setImmediate(resolve));
    await Promise.all([
      ring(files).changePassphrase(PASS, 'first one changed'),
      ring(files).changePassphrase(NEXT, 'second one changed'),
    ]);
    files.beforeEach = null;
    expect((await r.list()).keys.filter((k) => k.kind === 'passphrase')).toHaveLength(2);
    for (const p of ['first one changed', 'second one changed'])
      expect((await r.unlock({ passphrase: p })).master.equals(master)).toBe(true);
  });

  it('revokes a recovery key, but never the last key, even when two revokes race', async () => {
    const { files, r, master, recoveryKey, recoveryKeyInfo, passphraseKey } = await created();
    const second = await r.addRecoveryKey(master);
    await r.revoke(master, recoveryKeyInfo.id);
    await expectCode(r.unlock({ recoveryKeyText: recoveryKey.format() }), 'wrong_recovery_key');
    expect((await r.unlock({ recoveryKeyText: second.recoveryKey.format() })).master.equals(master)).toBe(true);
    await r.revoke(master, second.info.id);
    await expectCode(r.revoke(master, passphraseKey.id), 'last_key');
    await expectCode(r.revoke(master, 'f'.repeat(32)), 'not_found');
    await expectCode(r.revoke((await created()).master, passphraseKey.id), 'invalid_input');

    const extra = await r.addRecoveryKey(master);
    files.beforeEach = () => new Promise((resolve) => setImmediate(resolve));
    const targets = [passphraseKey.id, extra.info.id];
    const results = await Promise.allSettled(targets.map((id) => ring(files).revoke(master, id)));
    files.beforeEach = null;
    // Whatever the interleaving: a key stays, a revoke that succeeded removed its file, and one
    // that was refused left its file in place.
    const left = (await r.list()).keys.map((k) => k.id);
    expect(left.length).toBeGreaterThanOrEqual(1);
    results.forEach((res, i) => {
      if (res.status === 'fulfilled') expect(left).not.toContain(targets[i]);
      else {
        expect(res.reason.code).toBe('last_key');
        expect(left).toContain(targets[i]);
      }
    });
  });

  it('sets aside key files of another master when the store names its master', async () => {
    const { files, master } = await created();
    const rotated = await created();
    for (const [name, b] of rotated.files.files) files.files.set(name, b);
    const named = ring(files, { fingerprint: master.fingerprint });
    const listing = await named.list();
    expect(listing.keys).toHaveLength(2);
    expect(listing.otherMaster).toHaveLength(2);
    expect((await named.unlock({ passphrase: PASS })).master.equals(master)).toBe(true);
    await expectCode(named.addPassphrase(rotated.master, NEXT), 'invalid_input');
  });

  it('counts wrong passphrases through the throttle; a recovery key resets it', async () => {
    const { files, recoveryKey } = await created();
    const log = new MemoryAttemptLog();
    let now = 1_000_000;
    const r = ring(files, { throttle: new UnlockThrottle(log, { now: () => now }) });
    for (let i = 0; i < 5; i++) await expectCode(r.unlock({ passphrase: `wrong guess ${i}` }), 'wrong_passphrase');
    const e = await expectCode(r.unlock({ passphrase: PASS }), 'too_many_attempts');
    expect(e.details).toEqual({ retryAfterMs: 5000 });
    await r.unlock({ recoveryKeyText: recoveryKey.format() });
    await r.unlock({ passphrase: PASS });
    now += 1;
    expect(JSON.parse(log.text!)).toMatchObject({ failures: 0 });
  });
});
