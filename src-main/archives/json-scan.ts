// Scanning JSON text without parsing it: where a string ends, and how deep containers nest.

/** Characters that matter inside a container: brackets and the start of a string. */
export const CONTAINER_SPECIAL = /[{}[\]"]/g;
const STRING_SPECIAL = /["\\]/g;

/**
 * Scans string text from `j` to just past its closing quote. Returns -1 when `s` ends first;
 * `state.escaped` carries a trailing backslash over to the next chunk.
 */
export function scanToStringEnd(s: string, j: number, state: { escaped: boolean }): number {
  while (j < s.length) {
    if (state.escaped) {
      state.escaped = false;
      j++;
      continue;
    }
    STRING_SPECIAL.lastIndex = j;
    const m = STRING_SPECIAL.exec(s);
    if (!m) return -1;
    j = m.index + 1;
    if (m[0] === '\\') state.escaped = true;
    else return j;
  }
  return -1;
}

/**
 * Deepest nesting accepted anywhere in a document. JSON.parse copes with any depth, but
 * JSON.stringify, zod and the canonical forms recurse, and a hostile file nested 200,000 levels
 * deep would end as "Maximum call stack size exceeded" instead of a clear refusal.
 */
export const MAX_JSON_DEPTH = 1000;

/**
 * The deepest nesting of objects and arrays in `text` (brackets inside strings do not count),
 * found without recursion. Stops counting once past `stopAbove`.
 */
export function jsonNestingDepth(text: string, stopAbove = Infinity): number {
  let depth = 0;
  let deepest = 0;
  let i = 0;
  const state = { escaped: false };
  while (i < text.length) {
    CONTAINER_SPECIAL.lastIndex = i;
    const m = CONTAINER_SPECIAL.exec(text);
    if (!m) break;
    i = m.index + 1;
    const t = m[0];
    if (t === '"') {
      const end = scanToStringEnd(text, i, state);
      if (end < 0) break;
      i = end;
    } else if (t === '{' || t === '[') {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > stopAbove) return deepest;
      }
    } else depth--;
  }
  return deepest;
}
