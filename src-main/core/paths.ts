import os from 'node:os';
import path from 'node:path';

export const APP_NAME = 'Strata';

/**
 * The per-user folder the desktop app uses (Electron's `appData/<name>`), so that the CLI
 * and the app agree without the CLI importing electron.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.STRATA_DATA_DIR) return path.resolve(env.STRATA_DATA_DIR);
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_NAME);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_NAME);
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), APP_NAME);
}

/** Every file Strata keeps under one data folder. */
export interface DataPaths {
  root: string;
  database: string;
  backups: string;
  lockFile: string;
  transfers: string;
}

export function dataPaths(root: string): DataPaths {
  const abs = path.resolve(root);
  return {
    root: abs,
    database: path.join(abs, 'strata.db'),
    backups: path.join(abs, 'backups'),
    lockFile: path.join(abs, 'strata.lock'),
    transfers: path.join(abs, 'transfers'),
  };
}
