/** Turns anything an operation throws into words a person can act on; never a stack trace. */
export interface ReadableError {
  code: string;
  message: string;
  /** What to do next. */
  next: string;
}

const NEXT_STEPS: Record<string, string> = {
  not_found: 'It may have been deleted meanwhile. Reload the list and try again.',
  disk_full: 'Free some disk space (or delete old manual backups), then try again.',
  permission_denied: 'Check that Strata may write to its data folder, then try again.',
  busy: 'Another task is still running. Wait a moment and try again.',
  corrupt: 'Open Restore and bring back a recent backup that verified as good.',
  invalid_input: 'Check the values you entered and try again.',
  bad_request: 'Check the values you entered and try again.',
  unauthorized: 'Open Strata again with the address printed by "strata serve" (it carries a fresh token).',
  network: 'Check that Strata is still running, then reload this page.',
  unreachable: 'Check that Strata is still running, then reload this page.',
  bad_response: 'Reload the page. If it keeps happening, restart Strata.',
  pinned: 'Pinned backups are kept on purpose and cannot be deleted here.',
  conflict: 'Reload the screen to see the latest state, then try again.',
  duplicate_archive: 'This archive was imported before. Import it again only if you want a second copy.',
  duplicate: 'This archive was imported before. Import it again only if you want a second copy.',
  unsupported: 'The file was made by a newer or different program. Check that it is a Strata file.',
  invalid_file: 'Check that you picked the right file; it may be damaged or not a Strata file.',
  verify_failed: 'Pick another backup, or run "Back up now" to make a fresh one.',
  no_undo: 'There is no restore to undo right now.',
  too_large: 'Pick a smaller file, or split the content.',
  worker_failed: 'Try again. If it keeps happening, restart Strata.',
  invalid_config: 'Check the values you entered and try again.',
  invalid_schedule: 'Check the values you entered and try again.',
  snapshot_damaged: 'This backup is damaged. Pick another one, or run "Back up now" to make a fresh one.',
  corrupt_snapshot: 'This backup is damaged. Pick another one, or run "Back up now" to make a fresh one.',
  snapshot_check_failed: 'Pick another backup, or run "Back up now" to make a fresh one.',
  no_snapshots: 'Make a backup first with "Back up now" on the Backups screen.',
  nothing_to_undo: 'There is no restore to undo right now.',
  restoring: 'A restore is running. Wait until it finishes, then try again.',
  unavailable: 'Try again in a moment. If it keeps happening, restart Strata.',
  disk_low: 'Free some disk space (or delete old manual backups), then try again.',
  write_failed: 'Check that the disk is not full and Strata may write to its data folder, then try again.',
  invalid_archive: 'Check that you picked a Strata session archive; it may be damaged.',
  not_gzip: 'Check that you picked a Strata session archive (the file Export session makes).',
  invalid_settings_file: 'Check that you picked a settings file made by Export settings; it may be damaged.',
  aborted: 'Nothing was changed. Start it again when you are ready.',
  corrupt_file: 'The file is damaged. Export it again from where it came from.',
  forbidden: 'Open Strata again with the address printed by "strata serve".',
  scheduler_paused: 'Backups are paused while the computer sleeps or a restore runs. Try again in a moment.',
  internal: 'Try again. If it keeps happening, restart Strata.',
};

export function readableError(e: unknown): ReadableError {
  let code = 'internal';
  let message = 'Something went wrong.';
  if (e && typeof e === 'object') {
    const o = e as { code?: unknown; message?: unknown };
    if (typeof o.code === 'string') code = o.code;
    if (typeof o.message === 'string' && o.message.trim()) message = o.message;
  } else if (typeof e === 'string' && e.trim()) {
    message = e;
  }
  // Electron rejects with "code: message"; keep the code, drop the prefix.
  const prefixed = /^([a-z][a-z_]+): (.+)$/s.exec(message);
  if (prefixed && prefixed[1] && prefixed[2]) {
    if (code === 'internal' && NEXT_STEPS[prefixed[1]]) code = prefixed[1];
    message = prefixed[2];
  }
  // Electron also wraps with "Error invoking remote method 'x': Error: ..."
  message = message.replace(/^Error invoking remote method '[^']*': (?:\w*Error: )?/, '');
  // Never show a stack: the first line only.
  message = (message.split('\n')[0] ?? message).trim();
  if (e instanceof TypeError && /fetch|network/i.test(message)) {
    code = 'network';
    message = 'Strata could not be reached.';
  }
  return { code, message, next: NEXT_STEPS[code] ?? NEXT_STEPS.internal! };
}
