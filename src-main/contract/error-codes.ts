/**
 * Every error code that can reach a caller: the CLI's JSON output, the host's replies, IPC
 * replies and the screens. StrataError takes only these, and the renderer's advice table is a
 * record over them, so a new code without advice fails to compile. Codes are stable: scripts
 * match on them, so rename one only with a migration note.
 */
export const ERROR_CODES = [
  // Input from a caller
  'invalid_input',
  'invalid_config',
  'invalid_schedule',
  'invalid_option',
  'invalid_id',
  'bad_request',
  'usage',
  'unknown_operation',
  'too_large',
  'not_found',
  // Access
  'unauthorized',
  'forbidden',
  'permission_denied',
  // Files a person picks (archives, settings files, full exports)
  'invalid_file',
  'invalid_archive',
  'invalid_settings_file',
  'invalid_export',
  'not_gzip',
  'corrupt_file',
  'checksum_mismatch',
  'unsupported_version',
  'duplicate_archive',
  'data_folder_not_empty',
  // The live database
  'database_busy',
  'database_missing',
  'corrupt',
  'schema_too_new',
  'migration_failed',
  'migration_check_failed',
  'sqlite_too_old',
  'restoring',
  'data_folder_in_use',
  // Snapshots
  'no_snapshots',
  'nothing_to_undo',
  'pinned',
  'snapshot_damaged',
  'snapshot_unchecked',
  'restore_failed',
  'confirmation_required',
  'interrupted',
  'store_damaged',
  'store_busy',
  'corrupt_snapshot',
  'already_exists',
  'snapshot_check_failed',
  'copy_changed',
  'drill_failed',
  // Continuous protection
  'no_point_at_time',
  'invalid_time',
  // Single-session restores
  'session_conflict',
  'changed_since_restore',
  'scheduler_paused',
  'scheduler_stopped',
  // Encryption at rest
  'store_locked',
  'wrong_passphrase',
  'wrong_recovery_key',
  'invalid_recovery_key',
  'too_many_attempts',
  'no_key_files',
  'last_key',
  // The machine
  'disk_full',
  'write_failed',
  'worker_failed',
  'not_built',
  'port_in_use',
  'aborted',
  // Transports (the renderer's client)
  'unsupported',
  'unreachable',
  'bad_response',
  // Off-site copies (a mirror folder, S3, WebDAV)
  'offline',
  'remote_auth',
  'remote_full',
  'remote_unavailable',
  'remote_locked',
  'remote_refused',
  'remote_clock_skew',
  'upload_unverified',
  // Anything unexpected; the message says what, never with a stack
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const KNOWN: ReadonlySet<string> = new Set(ERROR_CODES);

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && KNOWN.has(code);
}
