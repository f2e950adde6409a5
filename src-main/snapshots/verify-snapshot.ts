import path from 'node:path';
import fs from 'node:fs';
import { tempPathFor } from '../core/atomic-file';
import { StrataError, toErrorPayload } from '../core/errors';
import { APP_VERSION } from '../core/app-version';
import { newOperationId } from '../app/events';
import { isPinnedTier, TIERS, type Tier } from './config';
import { SNAPSHOT_FORMAT_VERSION, type CheckResult, type SnapshotEntry, type SnapshotSidecar } from './sidecar';
import type { DamagedEntry } from './store';
import type { MaterialiseJob, MaterialiseOutcome, Progress } from './materialise-job';
import { assertScratchRoom, scratchDir } from './scratch';
import { runSnapshotJob } from './worker-client';
import type { EngineContext, VerifyResult } from './engine-types';

export function materialiseJobFor(entry: SnapshotEntry, outFile: string, keep: boolean): MaterialiseJob {
  if (entry.storage === 'pages') {
    return {
      op: 'materialise',
      storedPath: entry.storedPath,
      point: { storeDir: entry.storedPath, id: entry.id },
      expectedSha256: null,
      expectedCounts: entry.counts,
      expectedBytes: entry.source.sizeBytes,
      members: null,
      outFile,
      method: 'integrity_check',
      keep,
    };
  }
  return {
    op: 'materialise',
    storedPath: entry.storedPath,
    expectedSha256: entry.stored.sha256,
    expectedCounts: entry.counts,
    expectedBytes: entry.source.sizeBytes,
    members: entry.stored.codecOptions.members,
    outFile,
    method: 'integrity_check',
    keep,
  };
}

/**
 * Reads a snapshot back in full into scratch space: checksum, gunzip, integrity_check, counts.
 * The room for the scratch copy is checked first, and a check the machine kept from running is
 * recorded as "unchecked", never as damage.
 */
export async function verifySnapshot(
  ctx: EngineContext,
  id: string,
  operationId = newOperationId('verify'),
): Promise<VerifyResult> {
  const damaged = ctx.store.damaged().find((d) => d.id === id);
  if (damaged) return recoverMetadata(ctx, damaged, operationId);
  const entry = ctx.store.get(id);
  return ctx.withProgress('verify', operationId, async (progress) => {
    const outcome = await checkInScratch(
      ctx,
      entry.source.sizeBytes,
      (file) => materialiseJobFor(entry, file, false),
      progress,
    );
    const checkedAt = new Date(ctx.opts.clock.now()).toISOString();
    const result: CheckResult = {
      ok: outcome.ok,
      status: outcome.status,
      at: checkedAt,
      method: entry.storage === 'pages' ? 'page-hashes+integrity_check+counts' : 'sha256+gunzip+integrity_check+counts',
      problems: outcome.problems,
      durationMs: Math.round(outcome.durationMs),
    };
    await updateSidecar(ctx, id, { lastVerify: result });
    return {
      id,
      ok: outcome.ok,
      status: outcome.status,
      problems: outcome.problems,
      checkedAt,
      durationMs: result.durationMs ?? 0,
    };
  });
}

/** Runs a materialise job into a fresh scratch file; environment failures become an "unchecked" outcome. */
export async function checkInScratch(
  ctx: EngineContext,
  neededBytes: number,
  job: (outFile: string) => MaterialiseJob,
  progress: Progress,
): Promise<MaterialiseOutcome> {
  const started = performance.now();
  try {
    const dir = scratchDir(ctx.opts.backupsDir);
    await assertScratchRoom(dir, neededBytes, ctx.opts.diskProbe);
    return await runSnapshotJob(job(tempPathFor(path.join(dir, 'check.db'))), progress);
  } catch (e) {
    const payload = toErrorPayload(e);
    return {
      ok: false,
      status: 'unchecked',
      problems: [payload.message],
      durationMs: performance.now() - started,
      summary: null,
      sha256: null,
      storedBytes: null,
      outputBytes: null,
    };
  }
}

export async function updateSidecar(ctx: EngineContext, id: string, patch: Partial<SnapshotSidecar>): Promise<void> {
  try {
    await ctx.store.update(id, (sidecar) => ({ ...sidecar, ...patch }));
  } catch (e) {
    // The snapshot may have been pruned meanwhile; the result is still returned.
    ctx.opts.logger.warn('could not record a check result', { id, error: (e as Error).message });
  }
}

/**
 * A stored file whose metadata is missing or damaged is checked on its own terms (gunzip,
 * integrity_check, counts taken from it) and, if sound, gets its metadata rebuilt: it is listed
 * again as "recovered". Its data is never deleted for lack of metadata.
 */
async function recoverMetadata(ctx: EngineContext, damaged: DamagedEntry, operationId: string): Promise<VerifyResult> {
  const checkedAt = () => new Date(ctx.opts.clock.now()).toISOString();
  if (!damaged.storedPath || damaged.storage === 'pages') {
    return {
      id: damaged.id,
      ok: false,
      status: 'damaged',
      problems: [damaged.reason],
      checkedAt: checkedAt(),
      durationMs: 0,
    };
  }
  const storedPath = damaged.storedPath;
  return ctx.withProgress('verify', operationId, async (progress) => {
    const storedBytes = fs.statSync(storedPath).size;
    const outcome = await checkInScratch(
      ctx,
      storedBytes * 8,
      (outFile) => ({
        op: 'materialise',
        storedPath,
        expectedSha256: null,
        expectedCounts: null,
        expectedBytes: null,
        members: null,
        outFile,
        method: 'integrity_check',
        keep: false,
      }),
      progress,
    );
    const at = checkedAt();
    if (!outcome.ok || !outcome.summary || outcome.sha256 === null) {
      return {
        id: damaged.id,
        ok: false,
        status: outcome.status,
        problems: [damaged.reason, ...outcome.problems],
        checkedAt: at,
        durationMs: Math.round(outcome.durationMs),
      };
    }
    const tier: Tier = (TIERS as readonly string[]).includes(damaged.tier ?? '') ? (damaged.tier as Tier) : 'manual';
    const check: CheckResult = {
      ok: true,
      status: 'ok',
      at,
      method: 'rebuilt: gunzip+integrity_check',
      problems: [],
      durationMs: Math.round(outcome.durationMs),
    };
    ctx.store.writeSidecar({
      formatVersion: SNAPSHOT_FORMAT_VERSION,
      id: damaged.id,
      tier,
      label: 'Recovered: its metadata was rebuilt from the stored data',
      pinned: isPinnedTier(tier),
      createdAt: damaged.createdAt ?? new Date(fs.statSync(storedPath).mtimeMs).toISOString(),
      source: {
        file: 'strata.db',
        sizeBytes: outcome.outputBytes ?? 0,
        pageSize: outcome.summary.pageSize,
        pageCount: outcome.summary.pageCount,
        fingerprint: outcome.summary.fingerprint,
      },
      stored: {
        file: path.basename(storedPath),
        sizeBytes: outcome.storedBytes ?? storedBytes,
        codec: 'gzip',
        codecOptions: { level: 1, memberBytes: 8 * 1024 * 1024, members: [] },
        encryption: null,
        sha256: outcome.sha256,
      },
      schemaVersion: outcome.summary.schemaVersion,
      appVersion: APP_VERSION,
      counts: outcome.summary.counts,
      check,
      durationMs: check.durationMs ?? 0,
      lastVerify: check,
      lastDrill: null,
      recovered: true,
    });
    ctx.opts.logger.warn('rebuilt the metadata of a snapshot from its stored data', {
      id: damaged.id,
      reason: damaged.reason,
    });
    return {
      id: damaged.id,
      ok: true,
      status: 'ok',
      problems: [],
      checkedAt: at,
      durationMs: check.durationMs ?? 0,
      recovered: true,
    };
  });
}

export function assertNotDamagedId(ctx: EngineContext, id: string): void {
  const d = ctx.store.damaged().find((x) => x.id === id);
  if (d) throw new StrataError('snapshot_damaged', `Snapshot ${id} cannot be used: ${d.reason}.`);
}
