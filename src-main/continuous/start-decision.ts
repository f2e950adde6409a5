import { listGenerations, listSegments, type GapReason, type Generation } from './generations';
import { Segment } from './segment-file';
import { dbFileIdentity, readShipperState } from './shipper-state';
import { readWalIndexHeader } from './wal-index';
import type { WalPosition } from './wal-file';

export type StartDecision =
  | { kind: 'new'; reason: GapReason; detail: string }
  | {
      kind: 'continue';
      generation: Generation;
      position: WalPosition;
      seq: number;
      identity: string;
      /** The last run folded everything in: the next WAL cycle is expected. */
      expectRestart: boolean;
      /** The WAL was emptied and removed: its next cycle may have any salts. */
      anySalts: boolean;
    };

/**
 * Whether the newest generation goes on at start: only if nothing can have happened to the file
 * since the last shipped frame. Either the WAL still holds that cycle up to that frame (a crash
 * or a kill), or the last run folded everything in and the file is as it left it. Anything else
 * (the CLI or another program wrote, checkpointed or restored while Strata was closed) is a gap.
 */
export function decideStart(dbFile: string, storeDir: string): StartDecision {
  const gen = listGenerations(storeDir).at(-1) ?? null;
  if (!gen) return { kind: 'new', reason: 'first-start', detail: 'Continuous protection started.' };
  const changed = (detail: string): StartDecision => ({ kind: 'new', reason: 'changed-while-closed', detail });
  const lastSeg = listSegments(storeDir, gen.id).live.at(-1);
  let position = gen.base;
  if (lastSeg) {
    try {
      position = Segment.read(lastSeg.file).footer.end;
    } catch {
      return changed('The last segment did not read back whole.');
    }
  }
  const state = readShipperState(storeDir);
  const identity = dbFileIdentity(dbFile);
  if (state?.generation !== gen.id || state.dbIdentity !== identity)
    return changed('The database file changed while Strata was not running.');
  const idx = readWalIndexHeader(`${dbFile}-shm`);
  const cycleContinues =
    !!idx && idx.salt1 === position.salt1 && idx.salt2 === position.salt2 && idx.mxFrame >= position.frame;
  const cleanlyEmptied =
    state.expectRestart &&
    state.position.frame === position.frame &&
    state.position.salt1 === position.salt1 &&
    state.position.salt2 === position.salt2;
  if (!cycleContinues && !cleanlyEmptied) return changed('The WAL does not continue from the last shipped frame.');
  return {
    kind: 'continue',
    generation: gen,
    position,
    // After thinning folded rounds into the base, numbering goes on after them.
    seq: Math.max(lastSeg?.last ?? 0, (gen.firstSeq ?? 1) - 1),
    identity,
    expectRestart: cleanlyEmptied,
    anySalts: !cycleContinues,
  };
}
