import type { AnyCommand } from '../command';
import { demoCommand } from './demo';
import { dbInfoCommand, dbMigrateCommand } from './db';
import { sessionShowCommand, sessionsListCommand } from './sessions';
import { SNAPSHOT_COMMANDS } from './snapshots';
import { serveCommand } from './serve';
import { ARCHIVE_COMMANDS } from './archives';

/** Every CLI command. Each capability adds its commands from its own file. */
export const COMMANDS: AnyCommand[] = [
  demoCommand,
  sessionsListCommand,
  sessionShowCommand,
  dbInfoCommand,
  dbMigrateCommand,
  ...SNAPSHOT_COMMANDS,
  serveCommand,
  ...ARCHIVE_COMMANDS,
];
