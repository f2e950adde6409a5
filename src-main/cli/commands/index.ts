import type { AnyCommand } from '../command';
import { demoCommand } from './demo';
import { dbInfoCommand, dbMigrateCommand } from './db';
import { sessionShowCommand, sessionsListCommand } from './sessions';

/** Every CLI command. Each capability adds its commands from its own file. */
export const COMMANDS: AnyCommand[] = [
  demoCommand,
  sessionsListCommand,
  sessionShowCommand,
  dbInfoCommand,
  dbMigrateCommand,
];
