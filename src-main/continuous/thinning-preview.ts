import { planCompaction } from './compaction-plan';
import { readTimelines } from './timeline';
import type { ContinuousThinning } from '../snapshots/retention';

/** What thinning would do now, for `prune --dry-run` and the Backups screen. */
export function thinningPreview(
  storeDir: string,
  now: number,
  config: { keepAllHours: number; perMinuteDays: number },
): ContinuousThinning {
  const plan = planCompaction(readTimelines(storeDir), now, config);
  return {
    keepAllHours: config.keepAllHours,
    perMinuteDays: config.perMinuteDays,
    filesMerged: plan.merges.filter((m) => !m.thin).reduce((n, m) => n + m.refs.length, 0),
    filesThinned: plan.merges.filter((m) => m.thin).reduce((n, m) => n + m.refs.length, 0),
    commitsFolded: plan.foldedCommits,
    generationsDropped: plan.drops.length,
    rebase: plan.rebase !== null,
  };
}
