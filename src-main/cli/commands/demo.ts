import { z } from 'zod';
import { defineCommand } from '../command';
import { noPositionals, wholeNumber } from './args';
import { withApp } from '../with-app';
import { generateDemoData } from '../../db';

export const demoCommand = defineCommand({
  name: 'demo',
  summary: 'Add realistic, deterministic demo sessions (adds to what is there).',
  usage: 'demo --sessions N --messages-per-session M [--seed S]',
  options: {
    sessions: { type: 'string', description: 'how many sessions to add' },
    'messages-per-session': { type: 'string', description: 'messages in each session' },
    seed: { type: 'string', description: 'seed for the generator (default 1)' },
  },
  args: z.object({
    positionals: noPositionals,
    sessions: wholeNumber('--sessions', 1, 1_000_000),
    'messages-per-session': wholeNumber('--messages-per-session', 0, 10_000_000),
    seed: wholeNumber('--seed', 0, 2 ** 31).optional(),
  }),
  run(ctx, a) {
    return withApp(ctx, (app) => {
      const db = app.db;
      const started = performance.now();
      const r = generateDemoData(db.connection, {
        sessions: a.sessions,
        messagesPerSession: a['messages-per-session'],
        seed: a.seed ?? 1,
        onProgress: (done, total) => ctx.progress('demo', done, total),
      });
      const meta = db.metadata.get();
      return {
        added: { sessions: r.sessions, messages: r.messages },
        totals: { sessions: meta.totalSessions, messages: meta.totalMessages },
        seconds: Math.round(performance.now() - started) / 1000,
      };
    });
  },
  print: (r) =>
    `Added ${r.added.sessions} sessions with ${r.added.messages} messages in ${r.seconds}s. ` +
    `Now ${r.totals.sessions} sessions, ${r.totals.messages} messages.`,
});
