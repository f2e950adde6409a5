import { z } from 'zod';
import { StrataError } from '../core/errors';

/** Full JSON export format (docs/archive-format.md, "Full JSON export"). */
export const FULL_EXPORT_FORMAT = 'strata-full-export';
export const FULL_EXPORT_VERSION = 1;
export const FULL_EXPORT_KEYS = [
  'format',
  'version',
  'exported_at',
  'app_version',
  'schema_version',
  'tables',
  'metadata',
];
export const TABLE_KEYS = ['name', 'columns', 'rows'];

export const LIMITS = { rowChars: 64 * 1024 * 1024, headerChars: 64 * 1024, tables: 1000 } as const;

/** SQLite values as JSON: BLOBs become {"$base64": "..."}; everything else is itself. */
export type ExportValue = null | number | string | { $base64: string };

export function toExportValue(v: unknown): ExportValue {
  if (v === null || typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return Number(v);
  if (Buffer.isBuffer(v)) return { $base64: v.toString('base64') };
  return String(v);
}

export function fromExportValue(v: ExportValue): null | number | string | Buffer {
  if (v !== null && typeof v === 'object') return Buffer.from(v.$base64, 'base64');
  return v;
}

export const valueSchema = z.union([
  z.null(),
  z.number(),
  z.string(),
  z.strictObject({ $base64: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/) }),
]);

export const nameSchema = z.string().min(1).max(200);
export const columnsSchema = z.array(nameSchema).min(1).max(2000);

export const metadataSchema = z.strictObject({
  tables: z.record(nameSchema, z.number().int().min(0)),
  content_sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export function invalidExport(message: string): StrataError {
  return new StrataError('invalid_export', `Not a valid Strata full export: ${message}. Nothing was changed.`);
}
