import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StrataApp } from '../../src-main/app/strata-app';
import { createHandlers, type HandlerApp, type Impl } from '../../src-main/operations/handlers';
import { TransferRegistry } from '../../src-main/operations/transfer-registry';
import { createTransferServices, type TransferServices } from '../../src-main/operations/transfer-services';

// ---- compile-time: `npx tsc` fails if any of these stops being an error ------------------

/** A correct implementation compiles. */
export const rightCount: Impl<'listSessions'> = () => ({ sessions: [], totalSessions: 0 });

// @ts-expect-error the contract says totalSessions is a number; a string must not compile
export const stringForNumber: Impl<'listSessions'> = () => ({ sessions: [], totalSessions: 'many' });

// @ts-expect-error an async implementation is held to the same output
export const asyncWrong: Impl<'deleteSession'> = async () => ({ deleted: 'yes' });

// @ts-expect-error a missing field is a mistake too
export const missingField: Impl<'getSession'> = () => ({ messages: [], messageCount: 0 });

/** The handlers see the engine's real types, not `unknown`. */
type ListedSnapshot = Awaited<ReturnType<HandlerApp['snapshots']['list']>>[number];
export const createdAt: ListedSnapshot['createdAt'] = '2026-01-01T00:00:00.000Z';
// @ts-expect-error a snapshot's createdAt is an ISO string in the engine's sidecar
export const createdAtNumber: ListedSnapshot['createdAt'] = 5;
/** A risky write returns the snapshot it took. */
export type SafetySnapshotId = Awaited<ReturnType<HandlerApp['beforeRiskyWrite']>>['id'];
export const safetyId: SafetySnapshotId = 'id';

// ---- run time: what slips past the types (a service's reply) is still refused --------------

describe('handler replies', () => {
  let root: string;
  let app: StrataApp;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-handlers-'));
    app = await StrataApp.open({ dataDir: path.join(root, 'data'), owner: 'host' });
  });
  afterAll(async () => {
    await app?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('refuses a reply that does not match the contract as internal, and names the field', async () => {
    const transfers = TransferRegistry.open(app.paths.transfers);
    const real = createTransferServices();
    const services: TransferServices = {
      ...real,
      // Cast: this stands for a bug the compiler could not see (for example data read from disk).
      previewSettingsImport: async () => ({ mode: 'merge', changes: 'none' }) as never,
    };
    const handlers = createHandlers(app, { transfers, services });
    const entry = await transfers.storeBytes('s.json', new TextEncoder().encode('{}'), 1024);
    const reply = await handlers.run('previewSettingsImport', { transferId: entry.id, mode: 'merge' });
    expect(reply).toEqual({
      ok: false,
      error: { code: 'internal', message: expect.stringMatching(/did not match the contract.*changes/) },
    });
    transfers.clear();
  });

  it('hands back the safety snapshot a settings import took, by its id', async () => {
    const transfers = TransferRegistry.open(app.paths.transfers);
    const handlers = createHandlers(app, { transfers });
    app.db.settings.set('ui.theme', 'dark');
    const exported = await handlers.run('exportSettings', { includeSecrets: false });
    if (!exported.ok) throw new Error(exported.error.message);
    const file = transfers.resolve((exported.result as { transferId: string }).transferId).file;
    app.db.settings.set('ui.theme', 'light');
    const upload = await transfers.storeBytes('settings.json', fs.readFileSync(file), 1 << 20);
    const imported = await handlers.run('importSettings', { transferId: upload.id, mode: 'merge' });
    if (!imported.ok) throw new Error(imported.error.message);
    const id = (imported.result as { safetySnapshotId: string }).safetySnapshotId;
    const taken = (await app.snapshots.list()).find((s) => s.id === id);
    expect(taken?.label).toBe('Before settings import');
    expect(app.db.settings.getValue('ui.theme', null)).toBe('dark');
    transfers.clear();
  });
});
