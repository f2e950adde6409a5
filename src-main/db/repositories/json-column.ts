export type JsonObject = Record<string, unknown>;

export function parseJsonObject(text: string): JsonObject {
  const v = JSON.parse(text) as unknown;
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : {};
}
