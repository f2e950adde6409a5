import type { ErrorCode } from '../contract/error-codes';

/**
 * The HTTP status for an error code in the host's replies. Screens act on the code itself; the
 * status is for HTTP clients and logs. Codes not listed are refusals a person can act on
 * (a pinned snapshot, nothing to undo, a damaged file), hence 422.
 */
const STATUS: Partial<Record<ErrorCode, number>> = {
  invalid_input: 400,
  invalid_config: 400,
  invalid_schedule: 400,
  invalid_option: 400,
  invalid_id: 400,
  bad_request: 400,
  usage: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  unknown_operation: 404,
  too_large: 413,
  database_busy: 409,
  data_folder_in_use: 409,
  restoring: 409,
  duplicate_archive: 409,
  scheduler_paused: 409,
  store_locked: 423,
  too_many_attempts: 429,
  internal: 500,
  corrupt: 500,
  disk_full: 500,
  permission_denied: 500,
  write_failed: 500,
  worker_failed: 500,
  not_built: 500,
  scheduler_stopped: 503,
  offline: 503,
  remote_unavailable: 503,
  remote_auth: 502,
  remote_full: 507,
  remote_locked: 423,
  remote_refused: 502,
  remote_clock_skew: 502,
  upload_unverified: 502,
};

export function statusForError(code: ErrorCode): number {
  return STATUS[code] ?? 422;
}
