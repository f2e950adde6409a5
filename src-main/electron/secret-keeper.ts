import { safeStorage } from 'electron';
import { safeStorageKeeper, type SecretKeeper } from '../crypto/keychain';

/**
 * The OS keychain through Electron's `safeStorage` (asynchronous API). The logic, and its tests
 * with a fake `safeStorage`, live in src-main/crypto/keychain.ts; call this after `app` is ready.
 */
export function electronSecretKeeper(): SecretKeeper {
  return safeStorageKeeper(safeStorage, process.platform);
}
