import { APP_VERSION } from '../core/app-version';
import { ContinuousProtection } from '../continuous/protection';
import { scratchDir } from '../snapshots/scratch';
import type { StrataApp } from './strata-app';

/** Starts the shipper thread for the app's live database; its status feeds health. */
export function startProtection(app: StrataApp): ContinuousProtection {
  return ContinuousProtection.start({
    dbFile: app.paths.database,
    storeDir: app.snapshots.store.pages.dir,
    scratchDir: scratchDir(app.paths.backups),
    appVersion: APP_VERSION,
    onStatus: (s) => {
      if (s.state === 'error') app.logger.warn('continuous protection stopped on an error', { error: s.error });
    },
  });
}
