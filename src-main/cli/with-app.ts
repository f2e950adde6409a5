import { StrataApp } from '../app/strata-app';
import type { CliContext } from './command';

/**
 * Opens the app core for one command (migrating with a pinned pre-migration snapshot if the
 * schema is older) and closes it afterwards. Commands that replace the database file pass
 * `exclusive`, which takes the data-folder lock and so refuses while the app or host runs.
 * When strata.db is missing but snapshots exist, every command refuses with `database_missing`
 * except those passing `allowMissingDatabase`: the ones that read the backups or restore from them.
 */
export async function withApp<T>(
  ctx: CliContext,
  fn: (app: StrataApp) => Promise<T> | T,
  opts: { exclusive?: boolean; allowMissingDatabase?: boolean } = {},
): Promise<T> {
  const app = await StrataApp.open({
    dataDir: ctx.dataDir,
    owner: 'cli',
    logger: ctx.logger,
    exclusive: opts.exclusive ?? false,
    allowMissingDatabase: opts.allowMissingDatabase ?? false,
  });
  const off = app.events.on('progress', (p) => {
    ctx.progress(`${p.kind} ${p.phase}`, p.done, p.total, { job: p.operationId, finished: p.finished === true });
  });
  try {
    return await fn(app);
  } finally {
    off();
    await app.close();
  }
}
