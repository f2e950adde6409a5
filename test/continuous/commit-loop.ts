/**
 * A child process for the kill test: runs Strata as the headless host would (shipper and all)
 * and commits a known sequence of transactions, one session with two messages each, printing
 * `ack N` after each commit returns. With `--recover` it only starts, lets the shipper catch up
 * with what the WAL holds, and closes cleanly.
 */
import { StrataApp } from '../../src-main/app/strata-app';

const [dataDir, mode, firstArg] = process.argv.slice(2) as [string, string, string];

async function main(): Promise<void> {
  const app = await StrataApp.open({
    dataDir,
    owner: 'host',
    startBackgroundJobs: true,
    diskProbe: async () => ({ freeBytes: 500 * 1024 ** 3, totalBytes: 1000 * 1024 ** 3 }),
  });
  while (app.protectionStatus()?.state !== 'running') await new Promise((r) => setTimeout(r, 5));
  if (mode === '--recover') {
    await app.flushProtection();
    await app.close();
    process.stdout.write('recovered\n');
    return;
  }
  process.stdout.write('ready\n');
  const db = app.db.connection;
  const addSession = db.prepare(`INSERT INTO sessions (id, title, created_at, updated_at) VALUES (?, ?, ?, ?)`);
  const addMessage = db.prepare(
    `INSERT INTO messages (id, session_id, sequence, role, content, created_at) VALUES (?, ?, ?, 'user', ?, ?)`,
  );
  const commit = db.transaction((n: number) => {
    const id = `kill-${String(n).padStart(6, '0')}`;
    const now = Date.now();
    addSession.run(id, `tx ${String(n).padStart(6, '0')}`, now, now);
    addMessage.run(`${id}-a`, id, 1, `first of ${n}`, now);
    addMessage.run(`${id}-b`, id, 2, `second of ${n}`, now);
  });
  // About 20 commits a second, until killed.
  for (let n = Number(firstArg); ; n++) {
    commit(n);
    process.stdout.write(`ack ${n}\n`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
