// Over 300 lines on purpose: one streaming pass that checks and writes a whole export, whose
// steps share the parser state and the single write transaction; splitting it would pass both around.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { StrataError } from '../core/errors';
import { StrataDatabase } from '../db/strata-database';
import { MIGRATIONS, LATEST_SCHEMA_VERSION } from '../db/migrations';
import { deleteAllRows, listTables, rowInserter, type TableInfo } from '../db/repositories/transfer';
import { gunzipFileToText, gunzipFileToTextStreaming } from '../archives/gzip-stream';
import { describePath, JsonStreamSplitter, type PathElement } from '../archives/json-stream';
import type { Progress } from '../core/worker-rpc';
import {
  columnsSchema,
  FULL_EXPORT_FORMAT,
  FULL_EXPORT_KEYS,
  FULL_EXPORT_VERSION,
  fromExportValue,
  invalidExport,
  LIMITS,
  metadataSchema,
  nameSchema,
  TABLE_KEYS,
  valueSchema,
  type ExportValue,
} from './format';

export interface ImportAllJob {
  kind: 'import-all';
  inFile: string;
  /** A new file next to the live database; the caller renames it into place. */
  targetFile: string;
  maxDecompressedBytes: number;
  appVersion: string;
  now: number;
}

export interface ImportAllResult {
  schemaVersion: number;
  counts: Record<string, number>;
  sha256: string;
}

/** Tables the fresh schema already fills: their rows are replaced by the exported ones. */
const PREFILLED = new Set(['schema_migrations', 'database_metadata']);
/** Written last, because triggers on other tables update it while they are filled. */
const DEFERRED = new Set(['database_metadata']);

/**
 * Rebuilds a database from a full export into `targetFile` (a new file): the schema of the
 * export's version is created first, every row is checked and inserted in one transaction, and
 * counts, checksum, foreign keys and integrity are verified before the file is handed back.
 */
export async function importAll(job: ImportAllJob, progress: Progress): Promise<ImportAllResult> {
  let db: StrataDatabase | null = null;
  let ok = false;
  try {
    const header: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    let keyIndex = 0;
    let tableKeyIndex = 0;
    let targetTables = new Map<string, TableInfo>();
    const seenTables = new Set<string>();
    let current: { name: string; columns: string[]; insert: (v: unknown[]) => void; rows: number } | null = null;
    const deferredRows: { table: TableInfo; values: unknown[] }[] = [];
    const counts: Record<string, number> = {};
    let metadata: { tables: Record<string, number>; content_sha256: string } | null = null;
    const hash = crypto.createHash('sha256');

    const openTarget = async (schemaVersion: number) => {
      if (schemaVersion > LATEST_SCHEMA_VERSION) {
        throw new StrataError(
          'unsupported_version',
          `This export uses database schema ${schemaVersion}, newer than this Strata supports ` +
            `(${LATEST_SCHEMA_VERSION}). Update Strata to import it. Nothing was changed.`,
        );
      }
      // The export's own schema version, so rows fit; opening it normally later migrates forward.
      db = await StrataDatabase.open({
        file: job.targetFile,
        appVersion: job.appVersion,
        now: () => job.now,
        migrations: MIGRATIONS.filter((m) => m.version <= schemaVersion),
      });
      targetTables = new Map(listTables(db.connection).map((t) => [t.name, t]));
      db.connection.exec('BEGIN IMMEDIATE');
      db.connection.pragma('defer_foreign_keys = ON');
    };

    const startTable = (name: string, columns: string[]) => {
      const target = targetTables.get(name);
      if (!target) throw invalidExport(`table '${name}' is not part of schema ${String(header.schema_version)}`);
      const unknown = columns.filter((c) => !target.columns.includes(c));
      if (unknown.length) throw invalidExport(`table '${name}' has unknown column(s) ${unknown.join(', ')}`);
      if (new Set(columns).size !== columns.length) throw invalidExport(`table '${name}' repeats a column`);
      if (seenTables.has(name)) throw invalidExport(`table '${name}' appears twice`);
      seenTables.add(name);
      hash.update(`${JSON.stringify(name)}\n${JSON.stringify(columns)}\n`);
      if (PREFILLED.has(name)) deleteAllRows(db!.connection, name);
      const info = { name, columns };
      const insert = DEFERRED.has(name)
        ? (values: unknown[]) => {
            if (deferredRows.length > 100) throw invalidExport(`table '${name}' has too many rows`);
            deferredRows.push({ table: info, values });
          }
        : rowInserter(db!.connection, info);
      current = { name, columns, insert, rows: 0 };
    };

    const onRow = (tableIndex: number, rowIndex: number, value: unknown) => {
      const t = current;
      if (!t) throw invalidExport(`tables[${tableIndex}] has rows before its name and columns`);
      if (!Array.isArray(value) || value.length !== t.columns.length) {
        throw invalidExport(`${t.name} row ${rowIndex} must be an array of ${t.columns.length} values`);
      }
      const values = value.map((v, i) => {
        const parsed = valueSchema.safeParse(v);
        if (!parsed.success)
          throw invalidExport(`${t.name} row ${rowIndex}, column ${t.columns[i]}: not a SQLite value`);
        return fromExportValue(parsed.data as ExportValue);
      });
      hash.update(JSON.stringify(value));
      hash.update('\n');
      try {
        t.insert(values);
      } catch (e) {
        if (e instanceof StrataError) throw e;
        throw invalidExport(`${t.name} row ${rowIndex} was refused by the database (${(e as Error).message})`);
      }
      t.rows++;
    };

    const splitter = new JsonStreamSplitter({
      descend(path, kind) {
        if (path.length === 0) {
          if (kind !== 'object') throw invalidExport('the file holds a JSON array, not an export object');
          return true;
        }
        if (path.length === 1 && path[0] === 'tables') {
          if (kind !== 'array') throw invalidExport('tables must be an array');
          return true;
        }
        if (path.length === 2 && path[0] === 'tables') {
          if (kind !== 'object') throw invalidExport(`${describePath(path)} must be an object`);
          tableKeyIndex = 0;
          current = null;
          return true;
        }
        if (path.length === 3 && path[0] === 'tables' && path[2] === 'rows') {
          if (kind !== 'array') throw invalidExport(`${describePath(path)} must be an array`);
          return true;
        }
        return false;
      },
      onKey(path, key) {
        if (path.length === 0) {
          const expected = FULL_EXPORT_KEYS[keyIndex];
          if (keyIndex === 0 && key !== 'format') {
            throw invalidExport(`this JSON is not a Strata full export (it starts with '${key}', not 'format')`);
          }
          if (key !== expected) throw invalidExport(`unexpected top-level key '${key}'`);
          keyIndex++;
        } else if (path.length === 2) {
          if (key !== TABLE_KEYS[tableKeyIndex])
            throw invalidExport(`unexpected key '${key}' in ${describePath(path)}`);
          tableKeyIndex++;
        }
      },
      onClose(path, kind) {
        if (path.length === 2 && path[0] === 'tables' && kind === 'object') {
          if (tableKeyIndex !== TABLE_KEYS.length || !current) {
            throw invalidExport(`${describePath(path)} needs name, columns and rows`);
          }
          const t = current as { name: string; rows: number };
          counts[t.name] = t.rows;
          current = null;
        }
      },
      onValue(path, value) {
        if (path.length === 0) throw invalidExport('the file does not hold an export object');
        const key = path[0];
        if (key === 'tables' && path.length === 4) return onRow(path[1] as number, path[3] as number, value);
        if (key === 'tables' && path.length === 3) {
          if (path[2] === 'name') {
            const n = nameSchema.safeParse(value);
            if (!n.success) throw invalidExport(`${describePath(path)} must be a table name`);
            header.pendingTable = n.data;
            return;
          }
          if (path[2] === 'columns') {
            const c = columnsSchema.safeParse(value);
            if (!c.success) throw invalidExport(`${describePath(path)} must be a list of column names`);
            if (seenTables.size >= LIMITS.tables) throw invalidExport('too many tables');
            return startTable(header.pendingTable as string, c.data);
          }
          throw invalidExport(`${describePath(path)} is not expected`);
        }
        if (key === 'metadata') {
          const m = metadataSchema.safeParse(value);
          if (!m.success) throw invalidExport('metadata must hold table counts and content_sha256');
          metadata = m.data;
          return;
        }
        if (key === 'format' && value !== FULL_EXPORT_FORMAT) {
          throw invalidExport(`this JSON is a '${String(value)}' file, not a '${FULL_EXPORT_FORMAT}'`);
        }
        if (key === 'version') {
          if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
            throw invalidExport('version must be a whole number');
          }
          if (value > FULL_EXPORT_VERSION) {
            throw new StrataError(
              'unsupported_version',
              `This export uses format version ${value}, newer than this Strata supports (${FULL_EXPORT_VERSION}). ` +
                'Update Strata to import it. Nothing was changed.',
            );
          }
        }
        if (
          key === 'schema_version' &&
          value !== (db as StrataDatabase | null)?.connection.pragma('user_version', { simple: true })
        ) {
          throw invalidExport('schema_version changed while reading');
        }
        if ((key === 'exported_at' || key === 'app_version') && typeof value !== 'string') {
          throw invalidExport(`${String(key)} must be a string`);
        }
        header[key as string] = value;
      },
      maxValueChars: (path: readonly PathElement[]) => (path.length === 4 ? LIMITS.rowChars : LIMITS.headerChars),
      fail: (message) => invalidExport(message),
    });

    // The schema version sits in the small header before the tables: read it first, so the
    // target database can be created with that schema before any row arrives.
    await openTarget(peekSchemaVersion(job));
    await gunzipFileToTextStreaming(job.inFile, {
      what: 'export',
      maxDecompressedBytes: job.maxDecompressedBytes,
      onText: (t) => splitter.write(t),
      onProgress: (done, total) => progress('import', done, total),
    });
    splitter.end();

    if (keyIndex < FULL_EXPORT_KEYS.length) throw invalidExport(`the '${FULL_EXPORT_KEYS[keyIndex]}' field is missing`);
    const meta = metadata as { tables: Record<string, number>; content_sha256: string } | null;
    if (!meta) throw invalidExport('metadata is missing');
    const sha256 = hash.digest('hex');
    for (const [name, n] of Object.entries(meta.tables)) {
      if ((counts[name] ?? -1) !== n) {
        throw invalidExport(`metadata says table '${name}' has ${n} rows but the export holds ${counts[name] ?? 0}`);
      }
    }
    if (Object.keys(counts).length !== Object.keys(meta.tables).length) {
      throw invalidExport('the tables do not match the table list in metadata');
    }
    if (meta.content_sha256 !== sha256) {
      throw new StrataError(
        'checksum_mismatch',
        'The export content does not match its SHA-256 checksum (the file was altered or damaged). Nothing was changed.',
      );
    }
    const conn = (db as StrataDatabase | null)!.connection;
    for (const { table, values } of deferredRows) rowInserter(conn, table)(values);
    const fk = conn.pragma('foreign_key_check') as unknown[];
    if (fk.length > 0) throw invalidExport(`${fk.length} row(s) point to rows that do not exist (foreign keys)`);
    conn.exec('COMMIT');
    const check = (conn.pragma('quick_check') as { quick_check: string }[]).map((r) => r.quick_check).join('; ');
    if (check !== 'ok') throw new StrataError('corrupt', `The rebuilt database failed its check: ${check}`);
    ok = true;
    return { schemaVersion: header.schema_version as number, counts, sha256 };
  } finally {
    const d = db as StrataDatabase | null;
    if (d) {
      if (d.connection.inTransaction) d.connection.exec('ROLLBACK');
      d.close();
    }
    if (!ok)
      for (const f of [job.targetFile, job.targetFile + '-wal', job.targetFile + '-shm']) fs.rmSync(f, { force: true });
  }
}

const HEADER_FOUND = new Error('header found');

/** Reads only the header of an export (a few hundred bytes) and returns its schema_version. */
function peekSchemaVersion(job: ImportAllJob): number {
  let text = '';
  try {
    gunzipFileToText(job.inFile, {
      what: 'export',
      maxDecompressedBytes: job.maxDecompressedBytes,
      onText: (t) => {
        text += t;
        if (text.includes('"tables"') || text.length > LIMITS.headerChars) throw HEADER_FOUND;
      },
    });
  } catch (e) {
    if (e !== HEADER_FOUND) throw e;
  }
  let schemaVersion: number | null = null;
  let keys = 0;
  const peek = new JsonStreamSplitter({
    descend: (path) => path.length === 0,
    onKey(path, key) {
      if (keys++ === 0 && key !== 'format') {
        throw invalidExport(`this JSON is not a Strata full export (it starts with '${key}', not 'format')`);
      }
      if (key === 'tables') throw HEADER_FOUND;
    },
    onValue(path, value) {
      if (path.length === 0) throw invalidExport('the file does not hold an export object');
      if (path[0] === 'format' && value !== FULL_EXPORT_FORMAT) {
        throw invalidExport(`this JSON is a '${String(value)}' file, not a '${FULL_EXPORT_FORMAT}'`);
      }
      if (path[0] === 'version' && typeof value === 'number' && value > FULL_EXPORT_VERSION) {
        throw new StrataError(
          'unsupported_version',
          `This export uses format version ${value}, newer than this Strata supports (${FULL_EXPORT_VERSION}). ` +
            'Update Strata to import it. Nothing was changed.',
        );
      }
      if (path[0] === 'schema_version') {
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
          throw invalidExport('schema_version must be a whole number');
        }
        schemaVersion = value;
      }
    },
    maxValueChars: () => LIMITS.headerChars,
    fail: (message) => invalidExport(message),
  });
  try {
    peek.write(text);
  } catch (e) {
    if (e !== HEADER_FOUND) throw e;
  }
  if (schemaVersion === null) throw invalidExport('schema_version is missing before the tables');
  return schemaVersion;
}
