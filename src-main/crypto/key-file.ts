import crypto from 'node:crypto';
import { z } from 'zod';
import { StrataError } from '../core/errors';
import { hkdf, MasterSecret } from './key-derivation';
import { DEFAULT_SCRYPT, scryptKey, scryptParamsProblem, type ScryptParams } from './passphrase-kdf';
import type { RecoveryKey } from './recovery-key';

/**
 * Key files, `keys/<id>.json` (docs/encryption-format.md, "Key files"): each holds the master
 * secret wrapped with AES-256-GCM under a key-encryption key (KEK) made from one passphrase
 * (scrypt) or one recovery key (HKDF). Any one of a store's key files unlocks it.
 *
 * The wrap's associated data is the UTF-8 of
 * `JSON.stringify(["strata-key", 1, storeId, id, kind, created, label, fingerprint])`, so a key
 * file moved to another store, renamed to another id, relabelled or re-dated does not open. The
 * KDF parameters and salt need no such binding: changing them changes the KEK, and the wrap then
 * does not open either.
 */
export const KEY_FILE_FORMAT = 'strata-key';
export const KEY_FILE_VERSION = 1;
/** A key file is a few hundred bytes; anything past this is refused before it is parsed. */
export const KEY_FILE_MAX_BYTES = 64 * 1024;
export const RECOVERY_KEK_LABEL = 'strata/v1 recovery key kek';

export type KeyKind = 'passphrase' | 'recovery';

const base64Of = (bytes: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'not base64')
    .refine((s) => Buffer.from(s, 'base64').length === bytes, `must be ${bytes} bytes`);

export const storeIdSchema = z.string().regex(/^[0-9A-Za-z][0-9A-Za-z._-]{0,127}$/, 'not a store id');
export const keyIdSchema = z.string().regex(/^[0-9a-f]{32}$/, 'not a key id');
const labelSchema = z
  .string()
  .max(200)
  .regex(/^[^\p{Cc}]*$/u, 'no control characters');

const scryptKdf = z.object({
  name: z.literal('scrypt'),
  N: z.number().int(),
  r: z.number().int(),
  p: z.number().int(),
  salt: base64Of(32),
});
const hkdfKdf = z.object({ name: z.literal('hkdf-sha256'), salt: base64Of(32) });

export const keyFileSchema = z
  .object({
    format: z.literal(KEY_FILE_FORMAT),
    version: z.literal(KEY_FILE_VERSION),
    id: keyIdSchema,
    storeId: storeIdSchema,
    kind: z.enum(['passphrase', 'recovery']),
    label: labelSchema,
    created: z.iso.datetime(),
    fingerprint: z.string().regex(/^[0-9a-f]{16}$/, 'not a fingerprint'),
    kdf: z.discriminatedUnion('name', [scryptKdf, hkdfKdf]),
    wrap: z.object({ alg: z.literal('aes-256-gcm'), nonce: base64Of(12), data: base64Of(48) }),
  })
  .superRefine((f, ctx) => {
    const expected = f.kind === 'passphrase' ? 'scrypt' : 'hkdf-sha256';
    if (f.kdf.name !== expected)
      ctx.addIssue({ code: 'custom', path: ['kdf'], message: `a ${f.kind} key uses ${expected}` });
    if (f.kdf.name === 'scrypt') {
      const problem = scryptParamsProblem(f.kdf);
      if (problem) ctx.addIssue({ code: 'custom', path: ['kdf'], message: problem });
    }
  });

export type KeyFile = z.infer<typeof keyFileSchema>;

/** A key file that cannot be used: unreadable, cut short, hostile, or named for another id. */
export class KeyFileProblem extends StrataError {
  constructor(
    readonly fileName: string,
    readonly reason: string,
  ) {
    super('corrupt_file', `Key file ${fileName} cannot be used: ${reason}.`);
    this.name = 'KeyFileProblem';
  }
}

export const keyFileName = (id: string): string => `${id}.json`;
export const newKeyId = (): string => crypto.randomBytes(16).toString('hex');

/** Parses and checks a key file's bytes; `name` is its name in storage (`<id>.json`). */
export function parseKeyFile(bytes: Uint8Array, name: string): KeyFile {
  if (bytes.length > KEY_FILE_MAX_BYTES) throw new KeyFileProblem(name, `it is ${bytes.length} bytes, too large`);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new KeyFileProblem(name, bytes.length === 0 ? 'it is empty' : 'it is not complete JSON (cut short?)');
  }
  const parsed = keyFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new KeyFileProblem(name, `${issue?.path.join('.') || 'the file'}: ${issue?.message ?? 'invalid'}`);
  }
  if (keyFileName(parsed.data.id) !== name) throw new KeyFileProblem(name, `it holds key ${parsed.data.id}`);
  return parsed.data;
}

export function serializeKeyFile(file: KeyFile): Buffer {
  return Buffer.from(JSON.stringify(file, null, 2) + '\n', 'utf8');
}

function wrapAad(f: Pick<KeyFile, 'storeId' | 'id' | 'kind' | 'created' | 'label' | 'fingerprint'>): Buffer {
  const fields = [KEY_FILE_FORMAT, KEY_FILE_VERSION, f.storeId, f.id, f.kind, f.created, f.label, f.fingerprint];
  return Buffer.from(JSON.stringify(fields), 'utf8');
}

/** What unwraps a key file: a passphrase, or a recovery key. */
export type KeySecret = { passphrase: string } | { recoveryKey: RecoveryKey };

/** The key-encryption key for `file` from `secret`, or null when the secret is of the other kind. */
export async function keyEncryptionKey(file: KeyFile, secret: KeySecret): Promise<Buffer | null> {
  if (file.kdf.name === 'scrypt' && 'passphrase' in secret) {
    return scryptKey(secret.passphrase, Buffer.from(file.kdf.salt, 'base64'), file.kdf);
  }
  if (file.kdf.name === 'hkdf-sha256' && 'recoveryKey' in secret) {
    return hkdf(secret.recoveryKey.reveal(), RECOVERY_KEK_LABEL, 32, Buffer.from(file.kdf.salt, 'base64'));
  }
  return null;
}

/**
 * The master inside `file` under `kek`, or null when it does not open (another secret, or a
 * changed file: GCM cannot tell which). A wrap that opens to a master of another fingerprint
 * cannot be made without the KEK, so it is a broken file, and an error.
 */
export function unwrapMaster(file: KeyFile, kek: Uint8Array): MasterSecret | null {
  const data = Buffer.from(file.wrap.data, 'base64');
  let bytes: Buffer;
  try {
    const d = crypto.createDecipheriv('aes-256-gcm', kek, Buffer.from(file.wrap.nonce, 'base64'), {
      authTagLength: 16,
    });
    d.setAAD(wrapAad(file));
    d.setAuthTag(data.subarray(32));
    bytes = Buffer.concat([d.update(data.subarray(0, 32)), d.final()]);
  } catch {
    return null;
  }
  const master = new MasterSecret(bytes);
  if (master.fingerprint !== file.fingerprint) {
    throw new KeyFileProblem(keyFileName(file.id), 'it opens to a master with another fingerprint');
  }
  return master;
}

export interface NewKeyFile {
  storeId: string;
  kind: KeyKind;
  label: string;
  master: MasterSecret;
  secret: KeySecret;
  scrypt?: ScryptParams;
  created?: Date;
  id?: string;
}

/** A new key file, and the KEK it was wrapped under (to prove the stored copy opens). */
export async function makeKeyFile(o: NewKeyFile): Promise<{ file: KeyFile; kek: Buffer }> {
  storeIdSchema.parse(o.storeId);
  labelSchema.parse(o.label);
  const salt = crypto.randomBytes(32).toString('base64');
  const params = o.scrypt ?? DEFAULT_SCRYPT;
  const kdf: KeyFile['kdf'] =
    o.kind === 'passphrase'
      ? { name: 'scrypt', N: params.N, r: params.r, p: params.p, salt }
      : { name: 'hkdf-sha256', salt };
  const head = {
    format: KEY_FILE_FORMAT,
    version: KEY_FILE_VERSION,
    id: o.id ?? newKeyId(),
    storeId: o.storeId,
    kind: o.kind,
    label: o.label,
    created: (o.created ?? new Date()).toISOString(),
    fingerprint: o.master.fingerprint,
    kdf,
  } as const;
  const kek = await keyEncryptionKey({ ...head, wrap: { alg: 'aes-256-gcm', nonce: '', data: '' } }, o.secret);
  if (!kek)
    throw new TypeError(`a ${o.kind} key file needs a ${o.kind === 'passphrase' ? 'passphrase' : 'recovery key'}`);
  const nonce = crypto.randomBytes(12);
  const c = crypto.createCipheriv('aes-256-gcm', kek, nonce, { authTagLength: 16 });
  c.setAAD(wrapAad(head));
  const ct = Buffer.concat([c.update(o.master.reveal()), c.final()]);
  const data = Buffer.concat([ct, c.getAuthTag()]).toString('base64');
  const file = keyFileSchema.parse({ ...head, wrap: { alg: 'aes-256-gcm', nonce: nonce.toString('base64'), data } });
  return { file, kek };
}
