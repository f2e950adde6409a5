// Child process for the "snapshot under continuous writes" measurement: appends one message per
// transaction through the app's own repository (better-sqlite3, WAL, busy_timeout) until killed.
// Reports {"rows","errors"} on stdout every 100 ms and once more on SIGTERM.
// Usage: node snapshot-writer.mjs BUNDLE DB_FILE SESSION_ID
import { createRequire } from 'node:module';

const [bundle, dbFile, sessionId] = process.argv.slice(2);
if (!bundle || !dbFile || !sessionId) {
  console.error('usage: snapshot-writer.mjs BUNDLE DB_FILE SESSION_ID');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const { StrataDatabase, APP_VERSION } = require(bundle);
const db = await StrataDatabase.open({ file: dbFile, appVersion: APP_VERSION, busyTimeoutMs: 5000 });

let rows = 0;
let errors = 0;
let lastError = null;
let stopping = false;
const content = 'Bench writer message. '.repeat(45); // ~1 KB, like a typical chat turn
const report = () => process.stdout.write(JSON.stringify({ rows, errors, lastError }) + '\n');
const timer = setInterval(report, 100);

process.on('SIGTERM', () => {
  stopping = true;
});

while (!stopping) {
  // A short burst, then yield so the timer and SIGTERM get through.
  for (let i = 0; i < 5 && !stopping; i++) {
    try {
      db.messages.append(sessionId, { role: i % 2 ? 'assistant' : 'user', content, tokenCount: 250 });
      rows++;
    } catch (e) {
      errors++;
      lastError = e.message;
    }
  }
  await new Promise((r) => setImmediate(r));
}
clearInterval(timer);
report();
db.close();
process.exit(0);
