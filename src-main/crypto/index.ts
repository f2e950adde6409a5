/**
 * Encryption at rest: the building blocks (docs/encryption-format.md, docs/security.md). Pure:
 * no file or network access of its own (storage comes in through small interfaces) and never
 * Electron. Usable from worker threads.
 */
export {
  KEY_LABELS,
  MASTER_BYTES,
  MasterSecret,
  StoreKeys,
  checkConfigTag,
  configTag,
  fingerprintOf,
  hkdf,
  type WorkerKeys,
} from './key-derivation';
export { IdHasher, OBJECT_ID_BYTES, objectId } from './object-ids';
export { NONCE_BYTES, NoncePool, type RandomFill } from './nonces';
export {
  ENCRYPTION_AES_256_GCM,
  ENCRYPTION_NONE,
  OBJECT_HEADER_BYTES,
  ObjectSealer,
  SEAL_OVERHEAD,
  isSealedRecord,
  type SealedBatch,
  type SealerOptions,
} from './object-seal';
export {
  ENVELOPE_OVERHEAD,
  FileSealer,
  isSealedFile,
  sealedFileFingerprint,
  type FileContext,
  type FileSealerOptions,
} from './file-envelope';
export {
  SEAL_LIMIT,
  SEAL_ROTATE_AT,
  SEAL_WARN_AT,
  SealBudget,
  type SealBudgetOptions,
  type SealCountStore,
  type SealLevel,
  type SealTally,
} from './seal-budget';
export { DamagedFileError, DamagedObjectError, SealedDataDamagedError } from './errors';
export {
  DEFAULT_SCRYPT,
  PASSPHRASE_MIN_LENGTH,
  checkNewPassphrase,
  scryptKey,
  scryptMemory,
  type ScryptParams,
} from './passphrase-kdf';
export { RECOVERY_KEY_LENGTH, RecoveryKey } from './recovery-key';
export {
  KeyFileProblem,
  keyFileName,
  keyFileSchema,
  parseKeyFile,
  storeIdSchema,
  type KeyFile,
  type KeyKind,
  type KeySecret,
} from './key-file';
export { KeyRing, type KeyRingOptions } from './key-ring';
export type { KeyFileStore, KeyHandle, KeyInfo, KeyListing, Unlocked } from './key-ring-types';
export { UnlockThrottle, type AttemptLog, type ThrottleOptions } from './unlock-throttle';
export {
  MasterCache,
  safeStorageKeeper,
  type CacheFile,
  type KeeperStatus,
  type RecallResult,
  type RememberResult,
  type SafeStorageLike,
  type SecretKeeper,
} from './keychain';
