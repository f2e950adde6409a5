import fs from 'node:fs';
import path from 'node:path';
import { dataPaths, type DataPaths } from '../core/paths';
import { APP_VERSION } from '../core/app-version';
import type { Logger } from '../core/logger';
import { silentLogger } from '../core/logger';
import { StrataDatabase, type OpenStrataOptions } from '../db';
import { openRaw } from '../db/connection';

export interface DataFolderOptions {
  dataDir: string;
  logger?: Logger;
  now?: () => number;
  appVersion?: string;
  /** Replaces the default pre-migration copy (the snapshot engine installs a pinned snapshot here). */
  beforeMigrate?: OpenStrataOptions['beforeMigrate'];
  skipMigrations?: boolean;
}

/**
 * Default pre-migration safety copy: an online backup with better-sqlite3's backup API into
 * backups/pre-migration/. Superseded by a pinned snapshot once the snapshot engine is wired in.
 */
export function plainPreMigrationCopy(paths: DataPaths, now: () => number, logger: Logger) {
  return async (plan: { from: number; to: number }) => {
    const dir = path.join(paths.backups, 'pre-migration');
    fs.mkdirSync(dir, { recursive: true });
    const target = path.join(dir, `pre-migration-v${plan.from}-to-v${plan.to}-${now()}.db`);
    const src = openRaw(paths.database);
    try {
      await src.backup(target);
    } finally {
      src.close();
    }
    logger.info('pre-migration copy written', { target });
  };
}

export async function openDataFolder(opts: DataFolderOptions): Promise<{ paths: DataPaths; db: StrataDatabase }> {
  const paths = dataPaths(opts.dataDir);
  fs.mkdirSync(paths.root, { recursive: true });
  const now = opts.now ?? Date.now;
  const logger = opts.logger ?? silentLogger;
  const db = await StrataDatabase.open({
    file: paths.database,
    appVersion: opts.appVersion ?? APP_VERSION,
    now,
    beforeMigrate: opts.beforeMigrate ?? plainPreMigrationCopy(paths, now, logger),
    ...(opts.skipMigrations ? { skipMigrations: true } : {}),
  });
  return { paths, db };
}
