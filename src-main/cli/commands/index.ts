import type { AnyCommand } from '../command';
import { demoCommand } from './demo';
import { dbInfoCommand, dbMigrateCommand } from './db';
import { sessionShowCommand, sessionsListCommand } from './sessions';
import { SNAPSHOT_COMMANDS } from './snapshots';
import { serveCommand } from './serve';
import { ARCHIVE_COMMANDS } from './archives';
import { STORE_COMMANDS } from './store';
import { POINT_COMMANDS } from './points';

/** Every CLI command. Each capability adds its commands from its own file. */
export const COMMANDS: AnyCommand[] = [
  demoCommand,
  sessionsListCommand,
  sessionShowCommand,
  dbInfoCommand,
  dbMigrateCommand,
  ...SNAPSHOT_COMMANDS,
  ...STORE_COMMANDS,
  ...POINT_COMMANDS,
  serveCommand,
  ...ARCHIVE_COMMANDS,
];

/**
 * `strata --help` lists commands by what a person came to do, not by the module that holds
 * them. Every command is named in exactly one group (test/cli/help.test.ts checks); one that
 * is not still shows, under the last group.
 */
export const COMMAND_GROUPS: readonly { title: string; names: readonly string[] }[] = [
  {
    title: 'Protect: take backups, check them, keep the right ones',
    names: ['backup', 'verify', 'backup-test', 'stats', 'prune', 'store gc', 'retention run'],
  },
  {
    title: 'Inspect: see what is stored',
    names: ['list', 'store stats', 'points', 'browse', 'diff', 'deleted', 'sessions list', 'session show', 'db info'],
  },
  { title: 'Restore: bring data back', names: ['restore-session', 'restore', 'snapshot export'] },
  {
    title: 'Move data: sessions, settings or everything, to and from files',
    names: ['session export', 'session import', 'settings export', 'settings import', 'export-json', 'import-json'],
  },
  { title: 'Other', names: ['demo', 'serve', 'db migrate'] },
];

/** The groups with their commands, in the order above. */
export function groupedCommands(
  commands: readonly AnyCommand[] = COMMANDS,
): { title: string; commands: AnyCommand[] }[] {
  const byName = new Map(commands.map((c) => [c.name, c]));
  const placed = new Set(COMMAND_GROUPS.flatMap((g) => g.names));
  const groups = COMMAND_GROUPS.map((g) => ({
    title: g.title,
    commands: g.names.flatMap((n) => byName.get(n) ?? []),
  }));
  groups[groups.length - 1]!.commands.push(...commands.filter((c) => !placed.has(c.name)));
  return groups.filter((g) => g.commands.length > 0);
}
