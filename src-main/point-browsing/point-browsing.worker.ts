import { hostWorkerJob } from '../core/worker-rpc';
import { openRaw } from '../db/connection';
import { fingerprintDatabase, messageHashesFor, searchSessions } from './session-fingerprints';
import { diffFingerprints, sessionsNeedingMessages } from './point-diff';
import type { BrowseJob } from './worker-jobs';

/**
 * Reading a whole point (or the live file) to fingerprint, diff or search it scans every
 * message: on a big database that is seconds of work, so it never runs on the caller's thread.
 * Every connection here is read-only; the live file is read through WAL like any other reader.
 */
function open(file: string) {
  const db = openRaw(file, { readonly: true });
  db.pragma('busy_timeout = 5000');
  return db;
}

hostWorkerJob<BrowseJob>(async (job, progress) => {
  switch (job.op) {
    case 'fingerprint': {
      const db = open(job.file);
      try {
        return fingerprintDatabase(db, progress);
      } finally {
        db.close();
      }
    }
    case 'diff': {
      const pointDb = open(job.pointFile);
      const liveDb = open(job.liveFile);
      try {
        const point = job.pointFingerprints ?? fingerprintDatabase(pointDb, (p, d, t) => progress(`point ${p}`, d, t));
        const now = fingerprintDatabase(liveDb, (p, d, t) => progress(`now ${p}`, d, t));
        const ids = sessionsNeedingMessages(point, now);
        progress('compare', 0, ids.length);
        const diff = diffFingerprints(
          job.pointId,
          point,
          now,
          messageHashesFor(pointDb, ids),
          messageHashesFor(liveDb, ids),
        );
        progress('compare', ids.length, ids.length);
        return { diff, pointFingerprints: point };
      } finally {
        pointDb.close();
        liveDb.close();
      }
    }
    case 'search': {
      const db = open(job.file);
      try {
        return searchSessions(db, job.text, job.limit);
      } finally {
        db.close();
      }
    }
  }
});
