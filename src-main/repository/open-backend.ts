import { StrataError } from '../core/errors';
import type { Backend, BackendDescription } from './backend';
import { LocalBackend } from './local-backend';
import { LocalStore } from './local-store';

/**
 * Opens the backend a description names: what a worker thread (or a child process) does with
 * the `BackendDescription` it was given. Remote backends add their case here.
 */
export function openBackend(description: BackendDescription): Backend {
  if (description.type === 'local') return new LocalBackend(description.root);
  throw new StrataError('unsupported', `Backends of type ${description.type} cannot be opened in this build.`);
}

/** The synchronous local store a description names; the primary store is always local. */
export function openLocalStore(description: BackendDescription): LocalStore {
  if (description.type !== 'local')
    throw new StrataError(
      'invalid_input',
      `The engine works on the local store, not on a ${description.type} backend.`,
    );
  return new LocalStore(description.root);
}

/** The description of the local store in `root`. */
export function localDescription(root: string): BackendDescription {
  return { type: 'local', root: new LocalStore(root).root };
}
