import fs from 'node:fs';
import path from 'node:path';
import { fsyncDirSync } from '../core/atomic-file';
import { StrataError } from '../core/errors';
import { tempNameIn, writeFully } from '../page-store/durable-write';
import { PageStore } from '../page-store';
import { Segment } from './segment-file';
import { planMoment, readFooter, type MomentPlan } from './timeline';

export interface MomentOutcome {
  bytes: number;
  plan: MomentPlan;
}

/**
 * Writes the database as it was after the last commit at or before `at`: the generation's base
 * point first, then, for every page, its newest image from the segments up to that commit, and
 * the file cut to that commit's page count. Each segment's checksum is checked as it is read.
 * Works in a temp file beside `outFile`, renamed only when whole.
 */
export async function materialiseMoment(storeDir: string, at: number, outFile: string): Promise<MomentOutcome> {
  return materialisePlan(storeDir, planMoment(storeDir, at), outFile);
}

/** Writes the state a plan resolves to (a moment, or the end of a run of rounds for thinning). */
export async function materialisePlan(storeDir: string, plan: MomentPlan, outFile: string): Promise<MomentOutcome> {
  const dir = path.dirname(path.resolve(outFile));
  const tmp = tempNameIn(dir, path.basename(outFile));
  try {
    const store = PageStore.open(storeDir);
    await store.materialise(plan.generation.basePointId, tmp);
    const pageSize = plan.generation.pageSize;
    // Newest image of each page: later commits overwrite earlier ones.
    const newest = new Map<number, { seg: number; offset: number }>();
    let dbPages = Math.floor(fs.statSync(tmp).size / pageSize);
    const segments = plan.segments.map((ref) => ref.file);
    // First pass on footers only; a segment is read whole, and its checksum checked, once, when
    // its pages are written (and then its footer must be the one planned with).
    const footers = segments.map((f) => readFooter(f));
    for (let s = 0; s < segments.length; s++) {
      const footer = footers[s];
      if (!footer) throw new StrataError('corrupt', `Segment ${path.basename(segments[s]!)} cannot be read.`);
      const upTo = s === segments.length - 1 ? plan.commitIndex : footer.commits.length - 1;
      for (let i = 0; i <= upTo; i++) {
        const c = footer.commits[i]!;
        for (const [pgno, offset] of c.pages) newest.set(pgno, { seg: s, offset });
        dbPages = c.dbPages;
      }
    }
    const bySegment = new Map<number, [number, number][]>();
    for (const [pgno, { seg, offset }] of newest) {
      const list = bySegment.get(seg) ?? [];
      list.push([pgno, offset]);
      bySegment.set(seg, list);
    }
    const fd = fs.openSync(tmp, 'r+');
    try {
      for (let s = 0; s < segments.length; s++) {
        const mine = bySegment.get(s);
        if (!mine) continue;
        const seg = Segment.read(segments[s]!);
        if (JSON.stringify(seg.footer) !== JSON.stringify(footers[s]))
          throw new StrataError('corrupt', `Segment ${path.basename(segments[s]!)} changed while it was read.`);
        for (const [pgno, offset] of mine) {
          if (pgno > dbPages) continue; // a page past the end after the database shrank
          writeFully(fd, seg.pageAt(offset), (pgno - 1) * pageSize);
        }
        await new Promise<void>((r) => setImmediate(r));
      }
      const size = fs.fstatSync(fd).size;
      if (size < dbPages * pageSize)
        throw new StrataError('corrupt', 'The replayed database is missing pages its last commit counts.');
      fs.ftruncateSync(fd, dbPages * pageSize);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, outFile);
    fsyncDirSync(dir);
    return { bytes: dbPages * pageSize, plan };
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
