// Over 300 lines on purpose: one planner whose rules (counts, calendar buckets, age, size cap,
// free-disk guard) each read the decisions of the rules before them, so they stay together.
import { format } from 'date-fns';
import { isAutomaticTier, isPinnedTier, type RetentionConfig, type Tier } from './config';

export interface RetentionCandidate {
  id: string;
  tier: Tier;
  /** ms since epoch */
  createdAt: number;
  storedBytes: number;
  pinned: boolean;
  /** Passed its check, and no later verify found damage (a verify that could not run does not count). */
  good: boolean;
  /** Calendar tiers this point also stands for, each claimed at a time (ms) when nothing had changed. */
  memberships?: { tier: Tier; at: number }[];
}

export interface RetentionDecision {
  id: string;
  tier: Tier;
  createdAt: number;
  action: 'keep' | 'remove';
  reasons: string[];
  /** Memberships a kept point keeps (the others are dropped from its sidecar). */
  keptMemberships?: { tier: Tier; at: number }[];
}

export interface DiskSpace {
  freeBytes: number;
  totalBytes: number;
}

export interface DiskGuard {
  requiredFreeBytes: number;
  freeBytes: number;
  /** Free space once the planned removals are done. */
  freeAfterBytes: number;
  ok: boolean;
}

export interface RetentionPlan {
  /** Newest first. */
  decisions: RetentionDecision[];
  /** Ids to delete, in the order to delete them: failed snapshots first, then oldest first. */
  remove: string[];
  freedBytes: number;
  warnings: string[];
  /** null when no disk probe was given. */
  diskGuard: DiskGuard | null;
  /** What thinning continuous protection would do now (the running app applies it). */
  continuous?: ContinuousThinning;
}

export interface ContinuousThinning {
  keepAllHours: number;
  perMinuteDays: number;
  /** Files of recent rounds merged (every commit kept). */
  filesMerged: number;
  /** Files whose commits are thinned to one per minute. */
  filesThinned: number;
  /** Commits that stop being restorable one by one. */
  commitsFolded: number;
  generationsDropped: number;
  /** Whether the current range's oldest rounds are folded into a new base point. */
  rebase: boolean;
}

export interface RetentionContext {
  now: number;
  disk?: DiskSpace;
  /** Points continuous protection replays its segments onto: kept while their range exists. */
  replayBases?: ReadonlySet<string>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Free space the guard keeps: max(minFreeBytes, minFreeRatio × disk size). */
export function requiredFreeBytes(disk: DiskSpace, config: RetentionConfig): number {
  return Math.max(config.minFreeBytes, Math.ceil(config.minFreeRatio * disk.totalBytes));
}

/** True when writing `expectedBytes` more would leave less free space than the guard keeps. */
export function shouldPauseForDisk(disk: DiskSpace | null, config: RetentionConfig, expectedBytes: number): boolean {
  if (!disk) return false;
  return disk.freeBytes - Math.max(0, expectedBytes) < requiredFreeBytes(disk, config);
}

type BucketTier = 'hourly' | 'daily' | 'weekly';

/**
 * Local-time period keys. The hour key carries the UTC offset, so the repeated hour of a DST
 * fall-back gives two buckets; days and ISO weeks come from the local calendar, so a 23- or
 * 25-hour day is still one day.
 */
export function bucketKey(tier: BucketTier, at: number): string {
  const d = new Date(at);
  switch (tier) {
    case 'hourly':
      return format(d, 'yyyy-MM-dd HH:00 xxx');
    case 'daily':
      return format(d, 'yyyy-MM-dd');
    case 'weekly':
      return format(d, "RRRR-'W'II");
  }
}

interface Working {
  c: RetentionCandidate;
  action: 'keep' | 'remove';
  reasons: string[];
  protected: boolean;
  failed: boolean;
  /** Claims on tiers: the point's own tier at its creation, then its memberships. */
  claims: Claim[];
}

interface Claim {
  w: Working;
  tier: Tier;
  at: number;
  primary: boolean;
  kept: boolean;
  reason: string | null;
}

export function planRetention(
  snapshots: RetentionCandidate[],
  config: RetentionConfig,
  ctx: RetentionContext,
): RetentionPlan {
  const warnings: string[] = [];
  // Newest first; ids break ties so the plan never depends on input order.
  const sorted = [...snapshots].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const newestGood = sorted.find((s) => s.good);

  const work: Working[] = sorted.map((c) => {
    const w: Working = { c, action: 'keep', reasons: [], protected: false, failed: false, claims: [] };
    w.claims = [
      { w, tier: c.tier, at: c.createdAt, primary: true, kept: false, reason: null },
      ...(c.memberships ?? []).map((m) => ({ w, tier: m.tier, at: m.at, primary: false, kept: false, reason: null })),
    ];
    return w;
  });
  const byTier = new Map<string, Claim[]>();

  for (const w of work) {
    const { c } = w;
    if (c.pinned || isPinnedTier(c.tier)) {
      w.protected = true;
      w.reasons.push(`keep: pinned ${c.tier} snapshot (never pruned)`);
      if (!c.good) warnings.push(`Pinned snapshot ${c.id} failed its check; it is kept because it is pinned.`);
      continue;
    }
    if (c === newestGood) {
      w.protected = true;
      w.reasons.push('keep: newest good snapshot (never pruned)');
    }
    if (ctx.replayBases?.has(c.id)) {
      w.protected = true;
      w.reasons.push('keep: continuous protection replays its commits onto this point');
    }
    if (!c.good) {
      // A check failure never removes the only copy of a point: a damaged snapshot goes only
      // once a newer one is known good (it may still hold data nothing newer has).
      const newerGood = sorted.some((o) => o.good && o.createdAt > c.createdAt);
      if (newerGood) {
        w.failed = true;
        w.action = 'remove';
        w.reasons.push('remove: failed its check, and a newer snapshot is good');
      } else {
        w.protected = true;
        w.reasons.push('keep: failed its check, but no newer snapshot is good yet');
        warnings.push(`Snapshot ${c.id} failed its check and is kept until a newer snapshot is good.`);
      }
      continue;
    }
    for (const claim of w.claims) {
      const list = byTier.get(claim.tier) ?? [];
      list.push(claim);
      byTier.set(claim.tier, list);
    }
  }

  for (const [tier, list] of byTier) {
    list.sort((a, b) => b.at - a.at || (a.w.c.id < b.w.c.id ? 1 : a.w.c.id > b.w.c.id ? -1 : 0));
    switch (tier) {
      case 'hourly':
      case 'daily':
      case 'weekly':
        applyBuckets(tier, list, config.keep[tier]);
        break;
      case 'startup':
      case 'auto':
      case 'manual':
        applyNewest(tier, list, config.keep[tier]);
        break;
      default:
        // A tier from a newer version: leave it alone rather than guess.
        for (const claim of list) keepClaim(claim, `keep: unknown tier "${tier}" is never pruned automatically`);
    }
  }

  for (const w of work) {
    if (w.action === 'remove' || (w.protected && w.claims.every((c) => !c.reason))) continue;
    const kept = w.claims.filter((c) => c.kept);
    if (kept.length) {
      w.reasons.push(...kept.map((c) => c.reason!));
    } else if (w.protected) {
      w.reasons.push(...w.claims.map((c) => c.reason!.replace(/^remove: /, 'would otherwise be removed: ')));
    } else {
      w.action = 'remove';
      w.reasons = [w.claims[0]!.reason!];
    }
  }

  if (config.maxAgeDays !== null) {
    const cutoff = ctx.now - config.maxAgeDays * DAY_MS;
    for (const w of work) {
      if (w.action === 'keep' && !w.protected && isAutomaticTier(w.c.tier) && w.c.createdAt < cutoff) {
        remove(w, `remove: older than the ${config.maxAgeDays}-day maximum age for automatic snapshots`);
      }
    }
  }

  const removable = () =>
    work
      .filter((w) => w.action === 'keep' && !w.protected)
      // Automatic snapshots go before the ones a person asked for; oldest first within each group.
      .sort(
        (a, b) =>
          Number(isAutomaticTier(b.c.tier)) - Number(isAutomaticTier(a.c.tier)) || a.c.createdAt - b.c.createdAt,
      );

  if (config.maxTotalBytes !== null) {
    const cap = config.maxTotalBytes;
    let total = sum(work.filter((w) => w.action === 'keep').map((w) => w.c.storedBytes));
    for (const w of removable()) {
      if (total <= cap) break;
      remove(
        w,
        `remove: backups would use ${formatBytes(total)}, over the ${formatBytes(cap)} size cap (oldest first)`,
      );
      total -= w.c.storedBytes;
    }
    if (total > cap) {
      warnings.push(
        `Backups use ${formatBytes(total)}, more than the ${formatBytes(cap)} size cap, but the rest are protected (pinned or newest good).`,
      );
    }
  }

  let diskGuard: DiskGuard | null = null;
  if (ctx.disk) {
    const required = requiredFreeBytes(ctx.disk, config);
    let freeAfter = ctx.disk.freeBytes + sum(work.filter((w) => w.action === 'remove').map((w) => w.c.storedBytes));
    if (freeAfter < required) {
      for (const w of removable()) {
        if (freeAfter >= required) break;
        if (!isAutomaticTier(w.c.tier)) continue;
        remove(w, `remove: thinned to keep at least ${formatBytes(required)} free on disk (free-disk guard)`);
        freeAfter += w.c.storedBytes;
      }
    }
    const ok = freeAfter >= required;
    if (!ok) {
      warnings.push(
        `Disk space is low: ${formatBytes(freeAfter)} free after pruning, ${formatBytes(required)} needed. ` +
          'Automatic backups are paused until space is freed.',
      );
    }
    diskGuard = { requiredFreeBytes: required, freeBytes: ctx.disk.freeBytes, freeAfterBytes: freeAfter, ok };
  }

  const removed = work.filter((w) => w.action === 'remove');
  removed.sort((a, b) => Number(b.failed) - Number(a.failed) || a.c.createdAt - b.c.createdAt);
  return {
    decisions: work.map((w) => ({
      id: w.c.id,
      tier: w.c.tier,
      createdAt: w.c.createdAt,
      action: w.action,
      reasons: w.reasons,
      ...(w.c.memberships?.length
        ? { keptMemberships: w.claims.filter((c) => !c.primary && c.kept).map((c) => ({ tier: c.tier, at: c.at })) }
        : {}),
    })),
    remove: removed.map((w) => w.c.id),
    freedBytes: sum(removed.map((w) => w.c.storedBytes)),
    warnings,
    diskGuard,
  };
}

function remove(w: Working, reason: string): void {
  if (w.protected) return;
  w.action = 'remove';
  w.reasons = [reason];
}

/**
 * Keeps the newest claim in each of the newest `keep` periods that have claims (restic
 * keep-hourly etc.). A point that stood for an hour in which nothing changed claims that hour.
 */
function applyBuckets(tier: BucketTier, list: Claim[], keep: number): void {
  const seen = new Set<string>();
  for (const claim of list) {
    const key = bucketKey(tier, claim.at);
    if (seen.has(key)) {
      dropClaim(claim, `remove: a newer ${tier} snapshot covers bucket ${key}`);
    } else if (seen.size < keep) {
      seen.add(key);
      keepClaim(claim, `keep: newest in ${tier} bucket ${key}`);
    } else {
      dropClaim(claim, `remove: ${tier} bucket ${key} is beyond the ${keep} newest ${tier} buckets`);
    }
  }
}

function applyNewest(tier: 'startup' | 'auto' | 'manual', list: Claim[], keep: number): void {
  list.forEach((claim, i) => {
    if (i < keep) keepClaim(claim, `keep: one of the ${keep} newest ${tier} snapshots`);
    else dropClaim(claim, `remove: beyond the ${keep} newest ${tier} snapshots`);
  });
}

function keepClaim(claim: Claim, reason: string): void {
  claim.kept = true;
  claim.reason = reason;
}

function dropClaim(claim: Claim, reason: string): void {
  claim.kept = false;
  claim.reason = reason;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}
