import { isErrorCode, type ErrorCode } from '../../src-main/contract/error-codes';

/** Turns anything an operation throws into words a person can act on; never a stack trace. */
export interface ReadableError {
  code: ErrorCode;
  message: string;
  /** What to do next. */
  next: string;
}

const RETRY = 'Try again. If it keeps happening, restart Strata.';
const CHECK_VALUES = 'Check the values you entered and try again.';
const PICK_ANOTHER = 'Pick another backup, or run "Back up now" to make a fresh one.';
const DAMAGED_FILE = 'Check that you picked the right file; it may be damaged or not a Strata file.';

/**
 * What to do next, for every code the main process or a transport can produce. A record over
 * the contract's ERROR_CODES: a new code without advice here fails to compile.
 */
const NEXT_STEPS: Record<ErrorCode, string> = {
  invalid_input: CHECK_VALUES,
  invalid_config: CHECK_VALUES,
  invalid_schedule: CHECK_VALUES,
  invalid_option: CHECK_VALUES,
  invalid_id: 'Reload the list and pick the backup again.',
  bad_request: CHECK_VALUES,
  usage: "Run 'strata --help' to see the commands and their options.",
  unknown_operation: 'Reload the page: it may be older than the Strata it talks to.',
  too_large: 'Pick a smaller file, or split the content.',
  not_found: 'It may have been deleted meanwhile. Reload the list and try again.',

  unauthorized: 'Open Strata again with the address printed by "strata serve" (it carries a fresh token).',
  forbidden: 'Open Strata again with the address printed by "strata serve".',
  permission_denied: 'Check that Strata may write to its data folder, then try again.',

  invalid_file: DAMAGED_FILE,
  invalid_archive: 'Check that you picked a Strata session archive; it may be damaged.',
  invalid_settings_file: 'Check that you picked a settings file made by Export settings; it may be damaged.',
  invalid_export: 'Check that you picked a full export made by "strata export-json"; it may be damaged.',
  not_gzip: 'Check that you picked a Strata session archive (the file Export session makes).',
  corrupt_file: 'The file is damaged. Export it again from where it came from.',
  checksum_mismatch: 'The file was changed or damaged after it was exported. Export it again from where it came from.',
  unsupported_version: 'The file was made by a newer Strata. Update Strata, then import it again.',
  duplicate_archive: 'This archive was imported before. Import it again only if you want a second copy.',
  data_folder_not_empty: 'Choose an empty data folder to import into; nothing was changed.',

  database_busy: 'Another program is using the Strata database. Wait a moment and try again.',
  database_missing:
    'The database file is missing but backups exist. Open Restore and bring back the newest backup that verified as good.',
  corrupt: 'Open Restore and bring back a recent backup that verified as good.',
  sqlite_too_old:
    'This build of Strata carries an SQLite library that is too old to protect your data safely. Reinstall or update Strata.',
  no_point_at_time: 'Nothing was recorded at that time. Pick a time inside one of the listed ranges, or a snapshot.',
  invalid_time: 'That time could not be read. Use a date and time such as 2026-12-01 14:30:00, or -5m or -2h.',
  schema_too_new: 'This data was written by a newer Strata. Update Strata to open it; nothing was changed.',
  migration_failed:
    'Strata could not update the database to this version; it was left as it was. Restore the "Before migrating" backup or reinstall the previous version.',
  migration_check_failed:
    'Strata could not update the database to this version; it was left as it was. Restore the "Before migrating" backup or reinstall the previous version.',
  restoring: 'A restore is running. Wait until it finishes, then try again.',
  data_folder_in_use:
    'Another Strata (the app, "strata serve" or a command) is using this data folder. Close it first.',

  no_snapshots: 'Make a backup first with "Back up now" on the Backups screen.',
  nothing_to_undo: 'There is no restore to undo right now.',
  pinned: 'Pinned backups are kept on purpose and cannot be deleted here.',
  snapshot_damaged: `This backup is damaged. ${PICK_ANOTHER}`,
  snapshot_unchecked:
    'The backup could not be checked this time (for example the disk is full or a folder is not writable). Nothing was marked damaged; free some space and check again.',
  confirmation_required:
    'This import would change your backup schedule or retention and delete existing backups. Review the changes and confirm to go ahead.',
  interrupted: 'That background work was stopped so a restore or quit could go ahead; it runs again on its own.',
  store_damaged:
    'Part of the backup store cannot be read, so nothing was deleted. Run a full verify to see which points are affected.',
  already_exists: 'A backup file of that name already exists; nothing was replaced. Try again.',
  store_busy: 'Another Strata window or command is changing the backups right now. Try again in a moment.',
  restore_failed:
    'The restore did not hold up when it was checked, so your previous data was put back. Try another backup.',
  corrupt_snapshot: `This backup is damaged. ${PICK_ANOTHER}`,
  snapshot_check_failed: 'The new backup failed its check and was not kept. Try "Back up now" again.',
  copy_changed: 'The data changed while the backup was being written. Try "Back up now" again.',
  session_conflict: 'Restore that session as a copy instead: some of its messages now belong to another session.',
  changed_since_restore:
    'A restored session was changed after the restore, so undo would lose that work. Copy what you need, or restore the safety backup it names from the Restore screen.',
  drill_failed: `A test restore of the newest backup failed. ${PICK_ANOTHER}`,
  scheduler_paused: 'Backups are paused while the computer sleeps or a restore runs. Try again in a moment.',
  scheduler_stopped: 'Strata is shutting down. Start it again, then try again.',

  store_locked:
    'The backups are encrypted and locked. Unlock them with your passphrase (or STRATA_PASSPHRASE), or with your recovery key (--recovery-key-file).',
  wrong_passphrase: 'Check the passphrase (and Caps Lock) and try again, or unlock with your recovery key instead.',
  wrong_recovery_key:
    'That recovery key is well formed but belongs to another store, or was revoked. Try another recovery key, or your passphrase.',
  invalid_recovery_key:
    'The recovery key has a typo in the group the message names. Compare that group with your printed or saved copy.',
  too_many_attempts:
    'Too many wrong passphrases in a row. Wait as long as the message says, or unlock with your recovery key, which is never slowed.',
  no_key_files:
    'Nothing was deleted. Put the keys folder back from another copy of the backups (a mirror, the remote or an older copy), then unlock with your passphrase or recovery key.',
  last_key:
    'Add another passphrase or recovery key first: removing this one would leave nothing that can unlock the backups.',

  disk_full: 'Free some disk space (or delete old manual backups), then try again.',
  write_failed: 'Check that the disk is not full and Strata may write to its data folder, then try again.',
  worker_failed: RETRY,
  not_built: "Strata's files are incomplete. Run 'npm run build' or reinstall Strata.",
  port_in_use: 'Pick another port with --port, or leave it out to use a free one.',
  aborted: 'Nothing was changed. Start it again when you are ready.',

  unsupported: 'This is not available in this window. Use the Strata desktop app or "strata serve".',
  unreachable: 'Check that Strata is still running, then reload this page.',
  bad_response: 'Reload the page. If it keeps happening, restart Strata.',

  offline:
    'The off-site copy cannot be reached (no network, or the drive is unplugged). Your data stays protected on this disk; Strata copies what is waiting once it is back.',
  remote_auth:
    'The storage refused the credentials. Enter the access key and secret (or the password) again under Off-site copies.',
  remote_full:
    'The storage is full or over its quota. Free space there or raise the quota; Strata will not keep retrying meanwhile.',
  remote_unavailable:
    'The storage is busy or failing right now. Strata keeps trying with longer pauses; nothing is lost meanwhile.',
  remote_locked: 'The storage says the file is locked by another program. Wait a moment and try again.',
  remote_refused: 'The storage refused the request. Check the address, bucket and folder under Off-site copies.',
  remote_clock_skew:
    "This computer's clock and the storage's disagree by too much. Set the clock to the right time, then try again.",
  upload_unverified:
    'A file uploaded to the storage did not read back as sent, so it was not counted as copied. Strata will send it again.',

  internal: RETRY,
};

export function readableError(e: unknown): ReadableError {
  let code: ErrorCode = 'internal';
  let message = 'Something went wrong.';
  if (e && typeof e === 'object') {
    const o = e as { code?: unknown; message?: unknown };
    if (isErrorCode(o.code)) code = o.code;
    if (typeof o.message === 'string' && o.message.trim()) message = o.message;
  } else if (typeof e === 'string' && e.trim()) {
    message = e;
  }
  // Electron rejects with "code: message"; keep the code, drop the prefix.
  const prefixed = /^([a-z][a-z_]+): (.+)$/s.exec(message);
  if (prefixed && prefixed[1] && prefixed[2]) {
    if (code === 'internal' && isErrorCode(prefixed[1])) code = prefixed[1];
    message = prefixed[2];
  }
  // Electron also wraps with "Error invoking remote method 'x': Error: ..."
  message = message.replace(/^Error invoking remote method '[^']*': (?:\w*Error: )?/, '');
  // Never show a stack: the first line only.
  message = (message.split('\n')[0] ?? message).trim();
  if (e instanceof TypeError && /fetch|network/i.test(message)) {
    code = 'unreachable';
    message = 'Strata could not be reached.';
  }
  return { code, message, next: NEXT_STEPS[code] };
}
