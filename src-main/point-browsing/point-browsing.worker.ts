import { hostWorkerJob } from '../core/worker-rpc';
import { applyConnectionPragmas, openRaw } from '../db/connection';
import { applySessionRestore, planSessionRestore, undoSessionRestore } from './session-restore';
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

/**
 * The live file, read-write, with the pragmas of every live connection (synchronous=FULL is
 * per connection: the restore's commit is as durable as the app's own).
 */
function openLive(file: string) {
  const db = openRaw(file);
  applyConnectionPragmas(db);
  return db;
}

function withLiveAndPoint<T>(
  liveFile: string,
  pointFile: string,
  fn: (live: ReturnType<typeof openLive>, point: ReturnType<typeof open>) => T,
): T {
  const live = openLive(liveFile);
  try {
    const point = open(pointFile);
    try {
      return fn(live, point);
    } finally {
      point.close();
    }
  } finally {
    live.close();
  }
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
    case 'plan-restore':
      return withLiveAndPoint(
        job.liveFile,
        job.pointFile,
        (live, point) => planSessionRestore(live, point, job.sessionIds, job.mode).plan,
      );
    case 'apply-restore':
      return withLiveAndPoint(job.liveFile, job.pointFile, (live, point) => applySessionRestore(live, point, job));
    case 'undo-restore': {
      const live = openLive(job.liveFile);
      try {
        return undoSessionRestore(live);
      } finally {
        live.close();
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
