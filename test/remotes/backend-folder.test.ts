import path from 'node:path';
import { describe } from 'vitest';
import { FolderBackend } from '../../src-main/remotes/folder-backend';
import { walk } from '../helpers/servers/remote-targets';
import { tempDir } from '../helpers/temp-dir';
import { backendConformance } from '../repository/backend-conformance';
import { remoteExtras, type ExtrasTarget } from './remote-contract';

// The shared conformance suite and the remotes' extras on a mirror folder.
const opener = path.join(__dirname, 'fixtures', 'remote-opener.ts');

describe('mirror folder', () => {
  let root = '';
  const make = async () => {
    root = path.join(tempDir('strata-mirror-'), 'copy');
    return FolderBackend.open(root, { create: true });
  };
  backendConformance('FolderBackend', { fresh: make, opener });
  remoteExtras((): ExtrasTarget => ({ make, behind: () => walk(root) }));
});
