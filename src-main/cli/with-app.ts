import { StrataApp } from '../app/strata-app';
import type { CliContext } from './command';

/**
 * Opens the app core for one command (migrating with a pinned pre-migration snapshot if the
 * schema is older) and closes it afterwards. Commands that replace the database file pass
 * `exclusive`, which takes the data-folder lock and so refuses while the app or host runs.
 */
export async function withApp<T>(
  ctx: CliContext,
  fn: (app: StrataApp) => Promise<T> | T,
  opts: { exclusive?: boolean } = {},
): Promise<T> {
  const app = await StrataApp.open({
    dataDir: ctx.dataDir,
    owner: 'cli',
    logger: ctx.logger,
    exclusive: opts.exclusive ?? false,
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
