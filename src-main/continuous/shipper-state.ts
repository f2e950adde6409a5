import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeDurable } from '../page-store/durable-write';
import { continuousDir } from './generations';
import { WalPositionSchema } from './segment-file';
export { dbFileIdentity } from './file-identity';

/**
 * What the shipper knew after its last own checkpoint: the database file's identity then (only a
 * checkpoint writes the file of a WAL database, so any later change means someone else
 * checkpointed), and whether every frame up to `position` was both shipped and checkpointed (so a
 * WAL restart after it loses nothing). Written after every checkpoint and at a clean close.
 */
export const ShipperStateSchema = z.object({
  v: z.literal(1),
  generation: z.string(),
  position: WalPositionSchema,
  dbIdentity: z.string(),
  expectRestart: z.boolean(),
  closedCleanly: z.boolean(),
  at: z.number(),
});
export type ShipperState = z.infer<typeof ShipperStateSchema>;

function stateFile(storeDir: string): string {
  return path.join(continuousDir(storeDir), 'state.json');
}

export function readShipperState(storeDir: string): ShipperState | null {
  try {
    return ShipperStateSchema.parse(JSON.parse(fs.readFileSync(stateFile(storeDir), 'utf8')));
  } catch {
    return null;
  }
}

export function writeShipperState(storeDir: string, state: Omit<ShipperState, 'v'>): void {
  writeDurable(stateFile(storeDir), [Buffer.from(JSON.stringify({ v: 1, ...state }), 'utf8')]);
}
