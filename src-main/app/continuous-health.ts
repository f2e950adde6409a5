import { listGenerations, listSegments, type Generation } from '../continuous/generations';
import { readFooter } from '../continuous/timeline';
import type { ShipperStatus } from '../continuous/shipper-types';
import type { ContinuousHealth } from '../contract/continuous-schemas';
import type { HealthReport } from '../snapshots';

/** Shipping more than this far behind is worth a warning: the promise is about a second. */
export const LAG_WARNING_SECONDS = 10;

/** The gaps on record, newest first: the starts of generations that did not start first. */
function gapsOf(gens: readonly Generation[]): NonNullable<ContinuousHealth['gaps']> {
  return [...gens]
    .filter((g) => g.reason !== 'first-start')
    .reverse()
    .slice(0, 20)
    .map((g) => ({ at: Date.parse(g.startedAt), reason: g.reason, detail: g.detail }));
}

/** When the newest generation's last shipped commit was recorded (for a process with no shipper). */
function lastShippedOnDisk(storeDir: string, gens: readonly Generation[]): number | null {
  const g = gens.at(-1);
  if (!g) return null;
  const last = listSegments(storeDir, g.id).live.at(-1);
  const footer = last ? readFooter(last.file) : null;
  return footer ? Math.max(g.baseAt, ...footer.commits.map((c) => c.at)) : g.baseAt;
}

export function continuousHealth(
  enabled: boolean,
  status: ShipperStatus | null,
  storeDir: string,
  now: number,
): ContinuousHealth {
  const gens = listGenerations(storeDir);
  const protectedUpTo = status ? status.protectedUpTo : lastShippedOnDisk(storeDir, gens);
  const gaps = gapsOf(gens);
  return {
    enabled,
    state: status ? status.state : 'not-running',
    protectedUpTo,
    secondsBehind: status && protectedUpTo !== null ? Math.max(0, (now - protectedUpTo) / 1000) : null,
    lastGap: status?.lastGap ?? gaps[0] ?? null,
    gaps,
    error: status?.error ?? null,
  };
}

/** Adds the continuous section to a report, and a warning when shipping lags or stopped. */
export function withContinuous(report: HealthReport, c: ContinuousHealth, closing: boolean): HealthReport {
  const reasons = [...report.reasons];
  let status = report.status;
  if (c.enabled && c.state !== 'not-running' && !closing) {
    if (c.state === 'error' || c.state === 'closed') {
      reasons.push(`Continuous protection has stopped${c.error ? `: ${c.error}` : ''}. Snapshots still run.`);
    } else if (c.state === 'running' && c.secondsBehind !== null && c.secondsBehind > LAG_WARNING_SECONDS) {
      reasons.push(`Continuous protection is ${Math.round(c.secondsBehind)} s behind the latest changes.`);
    }
    if (reasons.length > report.reasons.length && status === 'ok') status = 'warning';
  }
  return { ...report, status, reasons, continuous: c };
}
