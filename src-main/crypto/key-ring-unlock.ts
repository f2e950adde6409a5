import { isStrataError, StrataError } from '../core/errors';
import { keyEncryptionKey, unwrapMaster, type KeyFile, type KeyKind, type KeySecret } from './key-file';
import { infoOf, type LoadedKeys, type Unlocked } from './key-ring-types';

/**
 * Tries `secret` on each candidate key file (newest first) and gives the master of the first that
 * opens. A passphrase costs one scrypt per candidate, so a store with three passphrases takes
 * three times as long to refuse a wrong one. Messages never include the secret.
 */
export async function unlockOne(candidates: KeyFile[], secret: KeySecret, loaded: LoadedKeys): Promise<Unlocked> {
  const broken: string[] = [];
  for (const file of candidates) {
    const kek = await keyEncryptionKey(file, secret);
    if (!kek) continue;
    try {
      const master = unwrapMaster(file, kek);
      if (master) return { master, key: infoOf(file) };
    } catch (e) {
      if (!isStrataError(e)) throw e;
      broken.push(e.message);
    }
  }
  const unusable = loaded.problems.length + broken.length;
  const note = unusable
    ? ` (${unusable} key file${unusable === 1 ? '' : 's'} here could not be read; one of them may have been the one)`
    : '';
  if ('passphrase' in secret) {
    throw new StrataError(
      'wrong_passphrase',
      `The passphrase does not unlock these backups${note}. Nothing was changed.`,
    );
  }
  throw new StrataError(
    'wrong_recovery_key',
    `That recovery key does not unlock these backups: it belongs to another store or was revoked${note}.`,
  );
}

/** The error when no key file of the asked kind can be tried. Nothing is ever deleted here. */
export function noUsableKeys(kind: KeyKind, loaded: LoadedKeys): StrataError {
  const other = loaded.files.filter((f) => f.kind !== kind);
  const unusable = loaded.problems.length + loaded.foreign.length + loaded.otherMaster.length;
  const details = {
    problems: loaded.problems,
    foreign: loaded.foreign.map((f) => f.name),
    otherMaster: loaded.otherMaster.map((f) => f.name),
  };
  if (other.length && kind === 'passphrase') {
    return new StrataError(
      'no_key_files',
      'No passphrase can unlock these backups any more: their passphrase key files are gone. The recovery key is the only way in now; after unlocking with it, set a new passphrase. Nothing was deleted.',
      details,
    );
  }
  if (other.length) {
    return new StrataError(
      'no_key_files',
      'These backups have no recovery key files (they were revoked or removed): unlock with the passphrase. Nothing was deleted.',
      details,
    );
  }
  const what = unusable
    ? `none of the ${unusable} key files here can be used${loaded.foreign.length ? ' (some belong to another store)' : ''}`
    : 'there are no key files';
  return new StrataError(
    'no_key_files',
    `These backups cannot be unlocked here: ${what}, so neither the passphrase nor the recovery key can open them. Nothing was deleted. Put back the keys folder from another copy of the backups (a mirror, the remote, an older copy of this folder), or, if Strata on another computer is still unlocked, add a new passphrase there.`,
    details,
  );
}
