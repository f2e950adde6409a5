import type { SqliteDatabase } from '../connection';

export interface ExtensionRecord {
  extensionId: string;
  dataType: string;
  data: unknown;
  version: number;
  createdAt: number;
  updatedAt: number;
}

type Row = {
  extension_id: string;
  data_type: string;
  data: string;
  version: number;
  created_at: number;
  updated_at: number;
};

const fromRow = (r: Row): ExtensionRecord => ({
  extensionId: r.extension_id,
  dataType: r.data_type,
  data: JSON.parse(r.data) as unknown,
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Free-form per-extension JSON, so features can keep state without a schema migration. */
export class ExtensionDataRepository {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
  ) {}

  get(extensionId: string): ExtensionRecord | null {
    const r = this.db.prepare(`SELECT * FROM extension_data WHERE extension_id = ?`).get(extensionId) as
      Row | undefined;
    return r ? fromRow(r) : null;
  }

  list(dataType?: string): ExtensionRecord[] {
    const rows = (
      dataType
        ? this.db.prepare(`SELECT * FROM extension_data WHERE data_type = ? ORDER BY extension_id`).all(dataType)
        : this.db.prepare(`SELECT * FROM extension_data ORDER BY extension_id`).all()
    ) as Row[];
    return rows.map(fromRow);
  }

  put(extensionId: string, dataType: string, data: unknown): ExtensionRecord {
    const at = this.now();
    this.db
      .prepare(
        `INSERT INTO extension_data (extension_id, data_type, data, version, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?)
         ON CONFLICT(extension_id) DO UPDATE SET data_type = excluded.data_type, data = excluded.data,
           version = extension_data.version + 1, updated_at = excluded.updated_at`,
      )
      .run(extensionId, dataType, JSON.stringify(data ?? null), at, at);
    return this.get(extensionId)!;
  }

  delete(extensionId: string): boolean {
    return this.db.prepare(`DELETE FROM extension_data WHERE extension_id = ?`).run(extensionId).changes > 0;
  }
}
