import { StrataError } from '../core/errors';

/**
 * Two gates shared by a restore's prepare and apply workers (and the caller's thread), so that
 * the write into the live database can copy its pages while the prepared file is still being
 * checked, and commit only once every check passed.
 *
 * - copy: opened by the prepare worker once the file is complete and stamped with the token
 *   (nothing changes it after that), or by the caller when the prepare finished.
 * - commit: opened by the caller only when the prepare finished and every check passed.
 *
 * Either is closed for good (aborted) by the caller when the prepare failed: the write's
 * transaction is then rolled back and the live database never changes. A gate is set once.
 */
export type RestoreGate = SharedArrayBuffer;

const COPY = 0;
const COMMIT = 1;
const WAITING = 0;
const OPEN = 1;
const ABORTED = 2;

export function newRestoreGate(): RestoreGate {
  return new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
}

function set(gate: RestoreGate, which: number, to: number): void {
  const cells = new Int32Array(gate);
  Atomics.compareExchange(cells, which, WAITING, to);
  Atomics.notify(cells, which);
}

export function openCopyGate(gate: RestoreGate): void {
  set(gate, COPY, OPEN);
}

/** The prepare finished: every check passed (ok) or not. */
export function settleRestoreGate(gate: RestoreGate, ok: boolean): void {
  set(gate, COPY, ok ? OPEN : ABORTED);
  set(gate, COMMIT, ok ? OPEN : ABORTED);
}

/**
 * Blocks this worker thread until the gate opens; throws once it is aborted. The caller settles
 * every gate when its prepare job ends, however it ends, so this never waits forever.
 */
function wait(gate: RestoreGate, which: number): void {
  const cells = new Int32Array(gate);
  while (Atomics.load(cells, which) === WAITING) Atomics.wait(cells, which, WAITING, 1000);
  if (Atomics.load(cells, which) === ABORTED)
    throw new StrataError('aborted', 'The snapshot did not pass its checks, so nothing was restored.');
}

export function waitToCopy(gate: RestoreGate): void {
  wait(gate, COPY);
}

export function waitToCommit(gate: RestoreGate): void {
  wait(gate, COMMIT);
}
