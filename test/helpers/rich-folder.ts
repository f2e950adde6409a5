import { generateDemoData, type StrataDatabase } from '../../src-main/db';
import { openFolder } from '../archives/helpers';

const DAY = 86_400_000;

/**
 * A folder with something in every table: demo sessions, a secret and a plain setting, a prompt,
 * a favourite action, extension data, and 30 days of app logs and analytics events.
 */
export async function richFolder(dir: string): Promise<StrataDatabase> {
  const db = await openFolder(dir);
  generateDemoData(db.connection, { sessions: 3, messagesPerSession: 40, seed: 3 });
  db.settings.set('theme', 'dark');
  db.settings.set('key', 'sk-1', { secret: true });
  db.prompts.upsert({ id: 'p', name: 'P', content: 'c 🙂' });
  db.favoriteActions.upsert({ id: 'a', label: 'A', action: 'x' });
  db.extensionData.put('ext', 'blob', { a: [1, 2, { b: null }] });
  const log = db.connection.prepare(`INSERT INTO app_logs (level, message, context, logged_at) VALUES (?, ?, ?, ?)`);
  const ev = db.connection.prepare(`INSERT INTO analytics_events (name, properties, occurred_at) VALUES (?, ?, ?)`);
  for (let i = 0; i < 30; i++) {
    log.run('info', `log ${i}`, '{}', Date.UTC(2026, 10, 23) - i * DAY);
    ev.run('open', JSON.stringify({ i }), Date.UTC(2026, 10, 23) - i * 5 * DAY);
  }
  return db;
}
