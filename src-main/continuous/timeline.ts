import fs from 'node:fs';
import { StrataError } from '../core/errors';
import { listGenerations, listSegments, type Generation, type SegmentRef } from './generations';
import { SegmentFooterSchema, type SegmentFooter } from './segment-file';

/**
 * What continuous protection can restore: per generation, a range from its base point to its
 * last shipped commit, with activity per minute. Reading a footer costs one small read at the
 * end of each segment file; the full checksum is checked when a segment is replayed.
 */
export interface ContinuousRange {
  generation: string;
  basePointId: string;
  startedBecause: Generation['reason'];
  from: number;
  to: number;
  commits: number;
  /** Commit counts per minute (minute start in ms), oldest first, only minutes with commits. */
  perMinute: { minute: number; commits: number }[];
}

export function readFooter(file: string): SegmentFooter | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size < 60) return null;
    const tail = Buffer.alloc(44);
    fs.readSync(fd, tail, 0, 44, size - 44);
    const len = tail.readUInt32BE(0);
    if (len > size - 52) return null;
    const json = Buffer.alloc(len);
    fs.readSync(fd, json, 0, len, size - 44 - len);
    return SegmentFooterSchema.parse(JSON.parse(json.toString('utf8')));
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

export interface GenerationTimeline {
  generation: Generation;
  segments: { ref: SegmentRef; footer: SegmentFooter }[];
}

/** Every generation with its readable segments, stopping at the first unreadable one (no replay past it). */
export function readTimelines(storeDir: string): GenerationTimeline[] {
  return listGenerations(storeDir).map((generation) => {
    const segments: GenerationTimeline['segments'] = [];
    const firstSeq = generation.firstSeq ?? 1;
    let expected = firstSeq;
    for (const ref of listSegments(storeDir, generation.id).live) {
      if (ref.last < firstSeq) continue; // folded into the base, deleted after a crash-safe rebase
      const footer = readFooter(ref.file);
      // A missing or unreadable round breaks the chain: later rounds cannot be replayed onto it.
      if (!footer || ref.first !== expected || footer.generation !== generation.id) break;
      segments.push({ ref, footer });
      expected = ref.last + 1;
    }
    return { generation, segments };
  });
}

export function rangesOf(timelines: GenerationTimeline[]): ContinuousRange[] {
  return timelines.map(({ generation, segments }) => {
    const minutes = new Map<number, number>();
    let commits = 0;
    let to = generation.baseAt;
    for (const { footer } of segments) {
      for (const c of footer.commits) {
        commits++;
        to = Math.max(to, c.at);
        const minute = Math.floor(c.at / 60_000) * 60_000;
        minutes.set(minute, (minutes.get(minute) ?? 0) + 1);
      }
    }
    return {
      generation: generation.id,
      basePointId: generation.basePointId,
      startedBecause: generation.reason,
      from: generation.baseAt,
      to,
      commits,
      perMinute: [...minutes].sort((a, b) => a[0] - b[0]).map(([minute, n]) => ({ minute, commits: n })),
    };
  });
}

export function listRanges(storeDir: string): ContinuousRange[] {
  return rangesOf(readTimelines(storeDir));
}

/** Which commit a moment resolves to: the last one at or before it, in the generation covering it. */
export interface MomentPlan {
  generation: Generation;
  /** Segments to replay, in order; the last commit applied is `commitIndex` of the last one. */
  segments: SegmentRef[];
  commitIndex: number;
  /** When the resolved commit was seen (or the base point was read, with no commit replayed). */
  resolvedAt: number;
  commits: number;
}

export function planMoment(storeDir: string, at: number): MomentPlan {
  const timelines = readTimelines(storeDir);
  // Generations partition time: each covers from its start until the next one's start.
  let chosen: GenerationTimeline | null = null;
  for (const t of timelines) if (Math.min(Date.parse(t.generation.startedAt), t.generation.baseAt) <= at) chosen = t;
  if (chosen && at < chosen.generation.baseAt) {
    throw new StrataError(
      'no_point_at_time',
      `Commits before ${new Date(chosen.generation.baseAt).toISOString()} were thinned away; restore a snapshot from then instead.`,
    );
  }
  if (!chosen) {
    const first = timelines[0]?.generation.baseAt;
    throw new StrataError(
      'no_point_at_time',
      first === undefined
        ? 'Continuous protection has recorded nothing yet.'
        : `Continuous protection starts at ${new Date(first).toISOString()}; nothing is recorded before it.`,
    );
  }
  const segments: SegmentRef[] = [];
  let commitIndex = -1;
  let resolvedAt = chosen.generation.baseAt;
  let commits = 0;
  for (const { ref, footer } of chosen.segments) {
    // Commits in record order, up to the first one seen after the moment: a clock that stepped
    // back cannot pull a later commit in.
    let last = -1;
    while (last + 1 < footer.commits.length && footer.commits[last + 1]!.at <= at) last++;
    if (last < 0) break;
    segments.push(ref);
    commitIndex = last;
    resolvedAt = footer.commits[last]!.at;
    commits += last + 1;
    if (last < footer.commits.length - 1) break;
  }
  return { generation: chosen.generation, segments, commitIndex, resolvedAt, commits };
}
