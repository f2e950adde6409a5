import type { SegmentRef } from './generations';
import type { GenerationTimeline } from './timeline';

/**
 * Thinning continuous protection, as a pure plan over what is on disk:
 * - rounds older than a minute are merged into one file per 10 minutes (fewer, bigger files,
 *   every commit kept);
 * - after `keepAllHours`, one file per hour keeps only the last commit of each minute;
 * - after `perMinuteDays` more, the record ends: a generation that ended before then is dropped,
 *   and the current one is folded into a new base point from which it goes on.
 * Tiered snapshots are what remain beyond that.
 */
export interface ThinningConfig {
  keepAllHours: number;
  perMinuteDays: number;
}

export interface MergeAction {
  generation: string;
  refs: SegmentRef[];
  thin: boolean;
  commits: number;
  keptCommits: number;
}

export interface CompactionPlan {
  merges: MergeAction[];
  /** Whole generations past the horizon (never the newest). */
  drops: { generation: string; basePointId: string; to: number }[];
  /** The newest generation's rounds up to `lastSeq` are folded into a new base. */
  rebase: { generation: string; refs: SegmentRef[]; lastSeq: number } | null;
  /** Commits that stop being restorable one by one (folded into their minute or the new base). */
  foldedCommits: number;
}

const MINUTE = 60_000;
const TEN_MINUTES = 10 * MINUTE;
const HOUR = 60 * MINUTE;

export function planCompaction(timelines: GenerationTimeline[], now: number, config: ThinningConfig): CompactionPlan {
  const plan: CompactionPlan = { merges: [], drops: [], rebase: null, foldedCommits: 0 };
  const keepAllUntil = now - config.keepAllHours * HOUR;
  const horizon = keepAllUntil - config.perMinuteDays * 24 * HOUR;
  timelines.forEach((t, i) => {
    const newest = i === timelines.length - 1;
    const lastAt = (k: number) => Math.max(...t.segments[k]!.footer.commits.map((c) => c.at));
    const firstAt = (k: number) => t.segments[k]!.footer.commits[0]!.at;
    const end = t.segments.length ? lastAt(t.segments.length - 1) : t.generation.baseAt;
    if (!newest && end < horizon) {
      plan.drops.push({ generation: t.generation.id, basePointId: t.generation.basePointId, to: end });
      plan.foldedCommits += t.segments.reduce((n, s) => n + s.footer.commits.length, 0);
      return;
    }
    let k = 0;
    if (newest) {
      while (k < t.segments.length && lastAt(k) < horizon) k++;
      if (k > 0) {
        plan.rebase = {
          generation: t.generation.id,
          refs: t.segments.slice(0, k).map((s) => s.ref),
          lastSeq: t.segments[k - 1]!.ref.last,
        };
        plan.foldedCommits += t.segments.slice(0, k).reduce((n, s) => n + s.footer.commits.length, 0);
      }
    }
    // Group the rest into buckets: hours for thinned rounds, 10 minutes for the recent ones.
    let group: number[] = [];
    let groupKey = '';
    const flush = () => {
      if (!group.length) return;
      const segs = group.map((g) => t.segments[g]!);
      const thin = groupKey.startsWith('h');
      const commits = segs.reduce((n, s) => n + s.footer.commits.length, 0);
      const keptCommits = thin
        ? new Set(segs.flatMap((s) => s.footer.commits.map((c) => Math.floor(c.at / MINUTE)))).size
        : commits;
      const worthIt = segs.length > 1 || (thin && keptCommits < commits);
      if (worthIt) {
        plan.merges.push({ generation: t.generation.id, refs: segs.map((s) => s.ref), thin, commits, keptCommits });
        plan.foldedCommits += commits - keptCommits;
      }
      group = [];
    };
    for (; k < t.segments.length; k++) {
      if (now - lastAt(k) < MINUTE) break; // the newest rounds stay as they are for now
      const thin = lastAt(k) < keepAllUntil;
      const key = thin ? `h${Math.floor(firstAt(k) / HOUR)}` : `m${Math.floor(firstAt(k) / TEN_MINUTES)}`;
      if (key !== groupKey) flush();
      groupKey = key;
      group.push(k);
    }
    flush();
  });
  return plan;
}
