import type { SqliteDatabase } from '../connection';

/** Returns a problem for each table, column or index that is missing. */
export function expectSchema(
  db: SqliteDatabase,
  expected: { tables: Record<string, string[]>; indexes?: string[]; triggers?: string[] },
): string[] {
  const problems: string[] = [];
  for (const [table, columns] of Object.entries(expected.tables)) {
    const cols = db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[];
    if (cols.length === 0) {
      problems.push(`table ${table} is missing`);
      continue;
    }
    const have = new Set(cols.map((c) => c.name));
    for (const c of columns) if (!have.has(c)) problems.push(`column ${table}.${c} is missing`);
  }
  const objects = (type: string) =>
    new Set(
      (db.prepare(`SELECT name FROM sqlite_schema WHERE type = ?`).all(type) as { name: string }[]).map((r) => r.name),
    );
  const indexes = objects('index');
  for (const i of expected.indexes ?? []) if (!indexes.has(i)) problems.push(`index ${i} is missing`);
  const triggers = objects('trigger');
  for (const t of expected.triggers ?? []) if (!triggers.has(t)) problems.push(`trigger ${t} is missing`);
  return problems;
}
