// Types for recover-crypto.mjs, so the TypeScript tests can call it as plain Node would.
export interface RecoveredKeys {
  dataKey: Buffer;
  idKey: Buffer;
  fileKey: Buffer;
  configKey: Buffer;
  fingerprint: string;
}
export type RecoverySecret = { passphrase: string } | { recoveryKey: string | Buffer };
export function deriveKeys(master: Uint8Array): RecoveredKeys;
export function objectId(idKey: Uint8Array, content: Uint8Array): Buffer;
export function parseRecoveryKey(text: string): Buffer;
export function unlockKeyFile(keyFile: unknown, storeId: string, secret: RecoverySecret): Promise<Buffer | null>;
export function unlockStore(keyFiles: unknown[], storeId: string, secret: RecoverySecret): Promise<Buffer | null>;
export function openObjectRecord(dataKey: Uint8Array, record: Buffer, id: Uint8Array): Buffer | null;
export function openSealedFile(keys: RecoveredKeys, kind: string, name: string, bytes: Buffer): Buffer | null;
export function isSealedFile(bytes: Buffer): boolean;
