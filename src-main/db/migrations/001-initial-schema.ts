import type { Migration } from './types';
import { expectSchema } from './schema-checks';

/**
 * Schema v1. Times are integer milliseconds since the epoch (UTC). Every JSON column is
 * guarded by json_valid so a bad write fails loudly instead of poisoning later reads.
 * `metadata` columns and `extension_data` let features add fields without a migration.
 */
export const initialSchema: Migration = {
  version: 1,
  name: 'initial-schema',
  up(db) {
    db.exec(`
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY NOT NULL,
        title TEXT NOT NULL,
        model TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        prompt_tokens INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        total_tokens INTEGER NOT NULL DEFAULT 0,
        cost_usd REAL NOT NULL DEFAULT 0,
        starred INTEGER NOT NULL DEFAULT 0 CHECK (starred IN (0, 1)),
        metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata))
      );
      CREATE INDEX idx_sessions_updated_at ON sessions(updated_at);

      CREATE TABLE messages (
        id TEXT PRIMARY KEY NOT NULL,
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        sequence INTEGER NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
        content TEXT NOT NULL,
        token_count INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata))
      );
      CREATE UNIQUE INDEX idx_messages_session_sequence ON messages(session_id, sequence);

      CREATE TABLE settings (
        key TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL CHECK (json_valid(value)),
        secret INTEGER NOT NULL DEFAULT 0 CHECK (secret IN (0, 1)),
        version INTEGER NOT NULL DEFAULT 1,
        updated_at INTEGER NOT NULL
      );

      CREATE TABLE custom_prompts (
        id TEXT PRIMARY KEY NOT NULL,
        name TEXT NOT NULL,
        content TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata))
      );

      CREATE TABLE favorite_actions (
        id TEXT PRIMARY KEY NOT NULL,
        label TEXT NOT NULL,
        action TEXT NOT NULL,
        position INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata))
      );

      CREATE TABLE analytics_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        properties TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(properties)),
        occurred_at INTEGER NOT NULL
      );
      CREATE INDEX idx_analytics_events_occurred_at ON analytics_events(occurred_at);

      CREATE TABLE app_logs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        level TEXT NOT NULL CHECK (level IN ('debug', 'info', 'warn', 'error')),
        message TEXT NOT NULL,
        context TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(context)),
        logged_at INTEGER NOT NULL
      );
      CREATE INDEX idx_app_logs_logged_at ON app_logs(logged_at);

      CREATE TABLE extension_data (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        extension_id TEXT NOT NULL UNIQUE,
        data_type TEXT NOT NULL,
        data TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(data)),
        version INTEGER NOT NULL DEFAULT 1,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX idx_extension_data_type ON extension_data(data_type);
      CREATE INDEX idx_extension_data_updated_at ON extension_data(updated_at);

      CREATE TABLE database_metadata (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        schema_version INTEGER NOT NULL,
        app_version TEXT NOT NULL,
        last_migration_at INTEGER,
        last_backup_at INTEGER,
        total_sessions INTEGER NOT NULL DEFAULT 0,
        total_messages INTEGER NOT NULL DEFAULT 0,
        custom TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(custom)),
        updated_at INTEGER NOT NULL
      );
      INSERT INTO database_metadata (id, schema_version, app_version, updated_at) VALUES (1, 0, '', 0);

      -- Totals stay exact without a COUNT(*) over 100k rows on every screen refresh.
      CREATE TRIGGER trg_sessions_insert AFTER INSERT ON sessions BEGIN
        UPDATE database_metadata SET total_sessions = total_sessions + 1 WHERE id = 1;
      END;
      CREATE TRIGGER trg_sessions_delete AFTER DELETE ON sessions BEGIN
        UPDATE database_metadata SET total_sessions = total_sessions - 1 WHERE id = 1;
      END;
      CREATE TRIGGER trg_messages_insert AFTER INSERT ON messages BEGIN
        UPDATE database_metadata SET total_messages = total_messages + 1 WHERE id = 1;
      END;
      CREATE TRIGGER trg_messages_delete AFTER DELETE ON messages BEGIN
        UPDATE database_metadata SET total_messages = total_messages - 1 WHERE id = 1;
      END;
    `);
  },
  verify(db) {
    return expectSchema(db, {
      tables: {
        sessions: [
          'id',
          'title',
          'model',
          'created_at',
          'updated_at',
          'total_tokens',
          'cost_usd',
          'starred',
          'metadata',
        ],
        messages: ['id', 'session_id', 'sequence', 'role', 'content', 'token_count', 'created_at', 'metadata'],
        settings: ['key', 'value', 'secret', 'version', 'updated_at'],
        custom_prompts: ['id', 'name', 'content'],
        favorite_actions: ['id', 'label', 'action', 'position'],
        analytics_events: ['id', 'name', 'properties', 'occurred_at'],
        app_logs: ['id', 'level', 'message', 'context', 'logged_at'],
        extension_data: ['extension_id', 'data_type', 'data', 'version', 'created_at', 'updated_at'],
        database_metadata: [
          'schema_version',
          'app_version',
          'last_migration_at',
          'last_backup_at',
          'total_sessions',
          'total_messages',
          'custom',
        ],
      },
      indexes: [
        'idx_messages_session_sequence',
        'idx_sessions_updated_at',
        'idx_analytics_events_occurred_at',
        'idx_app_logs_logged_at',
        'idx_extension_data_type',
      ],
      triggers: ['trg_sessions_insert', 'trg_sessions_delete', 'trg_messages_insert', 'trg_messages_delete'],
    });
  },
};
