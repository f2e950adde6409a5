import { z } from 'zod';
import { defineCommand } from '../command';
import { noPositionals, onePositional, wholeNumber } from './args';
import { withApp } from '../with-app';
import { StrataError } from '../../core/errors';

export const sessionsListCommand = defineCommand({
  name: 'sessions list',
  summary: 'List sessions, newest first, with message counts.',
  usage: 'sessions list [--search TEXT] [--limit N]',
  options: {
    search: { type: 'string', description: 'only titles containing TEXT' },
    limit: { type: 'string', description: 'at most N sessions' },
  },
  args: z.object({
    positionals: noPositionals,
    search: z.string().max(500).optional(),
    limit: wholeNumber('--limit', 1, 1_000_000).optional(),
  }),
  run(ctx, a) {
    return withApp(ctx, (app) => {
      const db = app.db;
      return db.sessions.list({
        ...(a.search !== undefined ? { search: a.search } : {}),
        ...(a.limit !== undefined ? { limit: a.limit } : {}),
      });
    });
  },
  print: (list) =>
    list.length === 0
      ? 'No sessions.'
      : list
          .map(
            (s) =>
              `${s.id}  ${String(s.messageCount).padStart(6)} msgs  ${new Date(s.updatedAt).toISOString()}  ${s.title}`,
          )
          .join('\n'),
});

export const sessionShowCommand = defineCommand({
  name: 'session show',
  summary: 'Show one session and its messages.',
  usage: 'session show ID [--limit N]',
  options: { limit: { type: 'string', description: 'show at most N messages' } },
  args: z.object({ positionals: onePositional('session ID'), limit: wholeNumber('--limit', 1, 10_000_000).optional() }),
  run(ctx, a) {
    return withApp(ctx, (app) => {
      const db = app.db;
      const session = db.sessions.get(a.positionals);
      if (!session)
        throw new StrataError(
          'not_found',
          `No session with id ${a.positionals}. 'strata sessions list' shows the ids.`,
        );
      const messages = db.messages.listForSession(session.id, a.limit ? { limit: a.limit } : {});
      return { session, messageCount: db.messages.countForSession(session.id), messages };
    });
  },
  print: (r) =>
    [
      `${r.session.title}  (${r.messageCount} messages, model ${r.session.model || 'n/a'}, ${r.session.totalTokens} tokens)`,
      '',
      ...r.messages.map((m) => `#${m.sequence} ${m.role} · ${new Date(m.createdAt).toISOString()}\n${m.content}\n`),
    ].join('\n'),
});
