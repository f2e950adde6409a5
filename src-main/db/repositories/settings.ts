import type { SqliteDatabase } from '../connection';

export interface SettingEntry {
  key: string;
  value: unknown;
  secret: boolean;
  version: number;
  updatedAt: number;
}

interface SettingRow {
  key: string;
  value: string;
  secret: number;
  version: number;
  updated_at: number;
}

const fromRow = (r: SettingRow): SettingEntry => ({
  key: r.key,
  value: JSON.parse(r.value) as unknown,
  secret: r.secret === 1,
  version: r.version,
  updatedAt: r.updated_at,
});

export class SettingsRepository {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
  ) {}

  get(key: string): SettingEntry | null {
    const row = this.db.prepare(`SELECT * FROM settings WHERE key = ?`).get(key) as SettingRow | undefined;
    return row ? fromRow(row) : null;
  }

  getValue<T>(key: string, fallback: T): T {
    const e = this.get(key);
    return e ? (e.value as T) : fallback;
  }

  list(): SettingEntry[] {
    return (this.db.prepare(`SELECT * FROM settings ORDER BY key`).all() as SettingRow[]).map(fromRow);
  }

  /** Upsert; bumps the version so an export can tell edited values apart. */
  set(key: string, value: unknown, opts: { secret?: boolean } = {}): SettingEntry {
    this.db
      .prepare(
        `INSERT INTO settings (key, value, secret, version, updated_at) VALUES (?, ?, ?, 1, ?)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value,
           secret = CASE WHEN ? IS NULL THEN settings.secret ELSE excluded.secret END,
           version = settings.version + 1, updated_at = excluded.updated_at`,
      )
      .run(key, JSON.stringify(value ?? null), opts.secret ? 1 : 0, this.now(), opts.secret === undefined ? null : 1);
    return this.get(key)!;
  }

  delete(key: string): boolean {
    return this.db.prepare(`DELETE FROM settings WHERE key = ?`).run(key).changes > 0;
  }
}
