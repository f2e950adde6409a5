import { z } from 'zod';
import { StrataError } from '../core/errors';

/** Session archive format (docs/archive-format.md). */
export const ARCHIVE_FORMAT = 'strata-session-archive';
export const ARCHIVE_VERSION = 1;

/** Field limits an archive must respect; anything bigger is refused before anything is written. */
export const ARCHIVE_LIMITS = {
  idChars: 200,
  titleChars: 10_000,
  modelChars: 1_000,
  contentChars: 8 * 1024 * 1024,
  metadataChars: 1024 * 1024,
  messages: 10_000_000,
  /** Raw JSON text of one message record (content may be escaped up to 6x). */
  messageRecordChars: 64 * 1024 * 1024,
  sessionRecordChars: 4 * 1024 * 1024,
  headerValueChars: 4 * 1024,
} as const;

/** Top-level keys in the order a v1 archive holds them (streaming relies on this order). */
export const ARCHIVE_KEYS = ['format', 'version', 'archived_at', 'app_version', 'session', 'messages', 'metadata'];

export type JsonObject = Record<string, unknown>;

export interface SessionRecord {
  id: string;
  title: string;
  model: string;
  created_at: number;
  updated_at: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cost_usd: number;
  starred: 0 | 1;
  metadata: JsonObject;
}

export interface MessageRecord {
  id: string;
  session_id: string;
  sequence: number;
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  token_count: number;
  created_at: number;
  metadata: JsonObject;
}

export interface ArchiveMetadata {
  message_count: number;
  token_total: number;
  first_message_at: number | null;
  last_message_at: number | null;
  content_sha256: string;
}

/**
 * The canonical text of a record: JSON.stringify with keys in the documented order. The
 * archive holds these exact strings, and the checksum is over them, one per line.
 */
export function canonicalSession(s: SessionRecord): string {
  return JSON.stringify({
    id: s.id,
    title: s.title,
    model: s.model,
    created_at: s.created_at,
    updated_at: s.updated_at,
    prompt_tokens: s.prompt_tokens,
    completion_tokens: s.completion_tokens,
    total_tokens: s.total_tokens,
    cost_usd: s.cost_usd,
    starred: s.starred,
    metadata: s.metadata,
  });
}

export function canonicalMessage(m: MessageRecord): string {
  return JSON.stringify({
    id: m.id,
    session_id: m.session_id,
    sequence: m.sequence,
    role: m.role,
    content: m.content,
    token_count: m.token_count,
    created_at: m.created_at,
    metadata: m.metadata,
  });
}

export function invalidArchive(message: string): StrataError {
  return new StrataError('invalid_archive', `Not a valid Strata session archive: ${message}. Nothing was changed.`);
}

const isPlainObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

/**
 * A JSON object kept exactly as parsed (no copy through zod, whose record parsing would assign
 * a `__proto__` key instead of defining it), with a size cap on its serialized form.
 */
export const metadataSchema = z.custom<JsonObject>(
  (v) => isPlainObject(v) && JSON.stringify(v).length <= ARCHIVE_LIMITS.metadataChars,
  { message: `must be a JSON object of at most ${ARCHIVE_LIMITS.metadataChars} characters` },
);

const time = z.number().int().min(0).max(8_640_000_000_000_000);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const id = z.string().min(1).max(ARCHIVE_LIMITS.idChars);

export const sessionRecordSchema = z.strictObject({
  id,
  title: z.string().max(ARCHIVE_LIMITS.titleChars),
  model: z.string().max(ARCHIVE_LIMITS.modelChars),
  created_at: time,
  updated_at: time,
  prompt_tokens: count,
  completion_tokens: count,
  total_tokens: count,
  cost_usd: z.number().min(0).max(1e12),
  starred: z.union([z.literal(0), z.literal(1)]),
  metadata: metadataSchema,
});

export const messageRecordSchema = z.strictObject({
  id,
  session_id: id,
  sequence: z.number().int().min(1).max(ARCHIVE_LIMITS.messages),
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string().max(ARCHIVE_LIMITS.contentChars),
  token_count: count,
  created_at: time,
  metadata: metadataSchema,
});

export const archiveMetadataSchema = z.strictObject({
  message_count: z.number().int().min(0).max(ARCHIVE_LIMITS.messages),
  token_total: count,
  first_message_at: time.nullable(),
  last_message_at: time.nullable(),
  content_sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters'),
});

export const headerSchemas: Record<string, z.ZodType> = {
  format: z.string(),
  version: z.number().int().min(1),
  archived_at: z.iso.datetime({ offset: true }),
  app_version: z.string().max(100),
};

/** "messages[3].content: Too big" style text from a zod error. */
export function zodProblem(where: string, e: z.ZodError): string {
  const first = e.issues[0];
  if (!first) return `${where} is invalid`;
  const path = first.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  if (first.code === 'unrecognized_keys') return `${where} has unexpected key(s) ${first.keys.join(', ')}`;
  if (first.code === 'too_big' && first.origin === 'string') {
    return `${where}${path} is longer than the limit of ${String(first.maximum)} characters`;
  }
  return `${where}${path}: ${first.message}`;
}
