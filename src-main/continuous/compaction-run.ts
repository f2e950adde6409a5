import fs from 'node:fs';
import path from 'node:path';
import { fsyncDirSync } from '../core/atomic-file';
import {
  continuousDir,
  generationDir,
  listSegments,
  readGeneration,
  segmentFile,
  writeGeneration,
} from './generations';
import { planCompaction, type CompactionPlan, type MergeAction, type ThinningConfig } from './compaction-plan';
import { materialisePlan } from './moment';
import { encodeSegment, Segment, writeSegment, type NewCommit } from './segment-file';
import { readTimelines } from './timeline';

const MINUTE = 60_000;

/** Rewrites a run of rounds as one file; with `thin`, one commit per minute (its last). */
function merge(storeDir: string, m: MergeAction): void {
  const segs = m.refs.map((r) => Segment.read(r.file));
  const commits: NewCommit[] = [];
  for (const seg of segs) {
    for (const c of seg.footer.commits) {
      const pages = new Map<number, Buffer>();
      for (const [pgno, off] of c.pages) pages.set(pgno, seg.pageAt(off));
      const prev = commits.at(-1);
      if (m.thin && prev && Math.floor(prev.at / MINUTE) === Math.floor(c.at / MINUTE)) {
        // Folded into the minute's last commit: the newest image of each page wins.
        for (const [pgno, image] of pages) prev.pages.set(pgno, image);
        prev.at = c.at;
        prev.frame = c.frame;
        prev.dbPages = c.dbPages;
      } else commits.push({ at: c.at, frame: c.frame, dbPages: c.dbPages, pages });
    }
  }
  for (const c of commits) for (const pgno of [...c.pages.keys()]) if (pgno > c.dbPages) c.pages.delete(pgno);
  const first = m.refs[0]!.first;
  const last = m.refs.at(-1)!.last;
  const lastSeg = segs.at(-1)!;
  const bytes = encodeSegment(
    {
      generation: m.generation,
      first,
      last,
      pageSize: lastSeg.footer.pageSize,
      end: lastSeg.footer.end,
      ...(m.thin || segs.some((s) => s.footer.thinned) ? { thinned: true } : {}),
    },
    commits,
  );
  // The wider file is durable before the pieces go; listings skip pieces a wider file covers.
  writeSegment(segmentFile(storeDir, m.generation, first, last), bytes);
  for (const r of m.refs) fs.rmSync(r.file, { force: true });
  fsyncDirSync(generationDir(storeDir, m.generation));
}

/** A generation past the horizon: renamed aside in one step, then removed. */
function drop(storeDir: string, generation: string): void {
  const dir = generationDir(storeDir, generation);
  const aside = path.join(continuousDir(storeDir), `.${generation}.drop.tmp`);
  fs.renameSync(dir, aside);
  fsyncDirSync(continuousDir(storeDir));
  fs.rmSync(aside, { recursive: true, force: true });
}

/** Removes what a crash left mid-way: generations renamed aside, pieces a wider file covers. */
function tidy(storeDir: string): void {
  let names: string[] = [];
  try {
    names = fs.readdirSync(continuousDir(storeDir));
  } catch {
    return;
  }
  for (const n of names) {
    if (n.endsWith('.drop.tmp')) fs.rmSync(path.join(continuousDir(storeDir), n), { recursive: true, force: true });
    else {
      const g = readGeneration(storeDir, n);
      if (!g) continue;
      const { live, superseded } = listSegments(storeDir, n);
      // Pieces a wider file covers, and rounds a rebase folded into the base before a crash.
      const obsolete = [...superseded, ...live.filter((r) => r.last < (g.firstSeq ?? 1))];
      for (const r of obsolete) fs.rmSync(r.file, { force: true });
    }
  }
}

export interface CompactionDeps {
  /** Stores a closed database file as a new base point; returns its id. */
  storeBase(file: string): Promise<string>;
  scratchDir: string;
}

/**
 * Carries out the plan, each step crash-safe on its own: merged files before deletions; a new
 * base point and the generation's new metadata before the rounds it replaces are deleted.
 */
export async function compact(
  storeDir: string,
  now: number,
  config: ThinningConfig,
  deps: CompactionDeps,
): Promise<CompactionPlan> {
  tidy(storeDir);
  const timelines = readTimelines(storeDir);
  const plan = planCompaction(timelines, now, config);
  for (const d of plan.drops) drop(storeDir, d.generation);
  // Merges first: they need nothing but the segments, so a failing rebase never holds them up.
  for (const m of plan.merges) merge(storeDir, m);
  if (plan.rebase && now >= rebaseBlockedUntil) {
    try {
      await rebase(storeDir, timelines, plan.rebase, deps);
    } catch (e) {
      // A rebase replays and stores the whole database: after a failure, wait an hour.
      rebaseBlockedUntil = now + 3_600_000;
      throw e;
    }
  }
  return plan;
}

let rebaseBlockedUntil = 0;

/** Folds the oldest rounds into a new base point, then rewrites the generation, then deletes them. */
async function rebase(
  storeDir: string,
  timelines: ReturnType<typeof readTimelines>,
  r: NonNullable<CompactionPlan['rebase']>,
  deps: CompactionDeps,
): Promise<void> {
  const t = timelines.find((x) => x.generation.id === r.generation)!;
  const refs = r.refs;
  const lastFooter = t.segments[refs.length - 1]!.footer;
  fs.mkdirSync(deps.scratchDir, { recursive: true, mode: 0o700 });
  const file = path.join(deps.scratchDir, `rebase-${t.generation.id}.db`);
  try {
    const out = await materialisePlan(
      storeDir,
      {
        generation: t.generation,
        segments: refs,
        commitIndex: lastFooter.commits.length - 1,
        resolvedAt: Math.max(...lastFooter.commits.map((c) => c.at)),
        commits: 0,
      },
      file,
    );
    const baseId = await deps.storeBase(file);
    const { checksum: _old, v: _v, ...rest } = t.generation;
    writeGeneration(storeDir, {
      ...rest,
      basePointId: baseId,
      baseAt: out.plan.resolvedAt,
      base: lastFooter.end,
      firstSeq: r.lastSeq + 1,
    });
    for (const ref of refs) fs.rmSync(ref.file, { force: true });
  } finally {
    fs.rmSync(file, { force: true });
  }
}
