/** People look for "restore" in settings; this takes them to the Restore screen. */
export function RestoreShortcut() {
  return (
    <section className="card" aria-labelledby="restore-shortcut-heading">
      <h2 id="restore-shortcut-heading">Restore from a backup</h2>
      <p className="muted">
        Go back to an earlier point in time. Your data as it is now is kept first, so a restore can be undone.
      </p>
      <a className="btn" href="#/restore">
        Open Restore
      </a>
    </section>
  );
}
