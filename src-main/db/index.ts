export { StrataDatabase, tableCounts, type OpenStrataOptions } from './strata-database';
export { openConnection, openRaw, applyConnectionPragmas, type SqliteDatabase } from './connection';
export {
  migrate,
  planMigrations,
  readSchemaVersion,
  assertSchemaNotNewer,
  SchemaTooNewError,
  latestVersion,
} from './migrator';
export { MIGRATIONS, LATEST_SCHEMA_VERSION, type Migration } from './migrations';
export { generateDemoData, seededRandom } from './demo-data';
export { databaseInfo, type DatabaseInfo } from './info';
export type { Session, SessionSummary } from './repositories/sessions';
export type { Message, MessageRole } from './repositories/messages';
export { vacuumInto, checkIntegrity, summarizeDatabase, type CheckMethod, type DatabaseSummary } from './online-copy';
