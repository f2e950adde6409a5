import { APP_VERSION } from '../core/app-version';
import { ContinuousProtection } from '../continuous/protection';
import { scratchDir } from '../snapshots/scratch';
import type { ShippedRound } from '../continuous/shipper-types';
import type { StrataApp } from './strata-app';

/** Starts the shipper thread for the app's live database; its status feeds health. */
export function startProtection(
  app: StrataApp,
  onRound?: (round: ShippedRound) => void,
  compactEveryMs?: number,
): ContinuousProtection {
  let lastError: string | null = null;
  let lastGapAt = 0;
  return ContinuousProtection.start({
    ...(onRound ? { onRound } : {}),
    ...(compactEveryMs !== undefined ? { compactEveryMs } : {}),
    dbFile: app.paths.database,
    storeDir: app.snapshots.store.pages.dir,
    scratchDir: scratchDir(app.paths.backups),
    appVersion: APP_VERSION,
    thinning: app.backupConfig().continuous,
    onLog: (message) => app.logger.warn(message),
    onStatus: (s) => {
      if (s.state === 'error' && s.error !== lastError)
        app.logger.warn('continuous protection stopped on an error', { error: s.error });
      lastError = s.error;
      // Each gap is an event: health is published again, so the screens show it at once.
      if (s.lastGap && s.lastGap.at !== lastGapAt) {
        lastGapAt = s.lastGap.at;
        app.logger.warn('continuous protection: a gap, a new range started', { reason: s.lastGap.reason });
        void app.publishHealth();
      }
    },
  });
}
