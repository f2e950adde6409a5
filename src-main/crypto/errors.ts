import { StrataError } from '../core/errors';

/**
 * Sealed bytes that do not open: a flipped bit, a cut tag, a record moved under another id, a
 * file swapped with another, or the wrong key. AES-GCM cannot tell these apart, and neither can
 * we, so each is damage of exactly the object or file it names: the store reports it like a
 * page whose hash does not match, and never restores from it. Messages never hold key material
 * or content, only what was expected where.
 */
export class SealedDataDamagedError extends StrataError {
  constructor(message: string) {
    super('store_damaged', message);
    this.name = 'SealedDataDamagedError';
  }
}

/** An encrypted object record (object header byte 5 = 1) that does not open under its id. */
export class DamagedObjectError extends SealedDataDamagedError {
  constructor(reason: string) {
    super(`encrypted object is damaged: ${reason}`);
    this.name = 'DamagedObjectError';
  }
}

/** A sealed file (envelope) that does not open as the kind and name it was asked for. */
export class DamagedFileError extends SealedDataDamagedError {
  constructor(
    readonly kind: string,
    readonly fileName: string,
    reason: string,
  ) {
    super(`encrypted ${kind} file ${fileName} is damaged: ${reason}`);
    this.name = 'DamagedFileError';
  }
}
