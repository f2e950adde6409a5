import type { StrataError } from '../core/errors';
import { CONTAINER_SPECIAL, MAX_JSON_DEPTH, scanToStringEnd } from './json-scan';

export type PathElement = string | number;

export interface JsonSplitterOptions {
  /**
   * Called when a container starts at `path`. Return true to walk into it (its members are then
   * reported one by one); false to capture it whole and hand it to `onValue` parsed.
   */
  descend(path: readonly PathElement[], kind: 'object' | 'array'): boolean;
  /** A complete value that was not descended into, already parsed with JSON.parse. */
  onValue(path: readonly PathElement[], value: unknown): void;
  /** A key of a descended object, before its value (lets callers enforce key order early). */
  onKey?(path: readonly PathElement[], key: string): void;
  /** A descended container closed. */
  onClose?(path: readonly PathElement[], kind: 'object' | 'array'): void;
  /** Largest raw text accepted for one captured value at this path (characters). */
  maxValueChars(path: readonly PathElement[]): number;
  /** Builds the error for a malformed or oversized document. */
  fail(message: string): StrataError;
}

type Frame =
  | { kind: 'object'; state: 'keyOrEnd' | 'key' | 'colon' | 'value' | 'commaOrEnd'; key: string }
  | { kind: 'array'; state: 'valueOrEnd' | 'value' | 'commaOrEnd'; index: number };

interface Capture {
  path: PathElement[];
  kind: 'container' | 'string' | 'scalar';
  parts: string[];
  chars: number;
  limit: number;
  depth: number;
  inString: boolean;
  escaped: boolean;
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const SCALAR_END = /[,}\]\s]/g;

export function describePath(path: readonly PathElement[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out || 'the document';
}

/**
 * An incremental JSON reader for documents too big to hold whole: the caller chooses which
 * containers to walk into, and every other value is cut out as text (with a size cap, checked
 * while reading) and parsed on its own. Structure between captured values is validated
 * strictly, so a malformed document is refused wherever the damage is.
 */
export class JsonStreamSplitter {
  private readonly stack: Frame[] = [];
  private readonly path: PathElement[] = [];
  private capture: Capture | null = null;
  private key: { parts: string[]; chars: number; escaped: boolean } | null = null;
  private topState: 'start' | 'done' = 'start';
  private consumed = 0;

  constructor(private readonly opts: JsonSplitterOptions) {}

  /** Characters read so far (for error positions). */
  get position(): number {
    return this.consumed;
  }

  write(text: string): void {
    let i = 0;
    while (i < text.length) {
      if (this.capture) i = this.stepCapture(text, i);
      else if (this.key) i = this.stepKey(text, i);
      else i = this.stepStructure(text, i);
    }
    this.consumed += text.length;
  }

  end(): void {
    if (this.capture && this.capture.kind === 'scalar' && this.stack.length === 0) this.finishCapture();
    if (this.capture || this.key || this.stack.length > 0 || this.topState !== 'done') {
      throw this.opts.fail('the JSON ends too early (the file is cut off)');
    }
  }

  private tooDeep(path: readonly PathElement[]): StrataError {
    return this.opts.fail(`${describePath(path)} is nested more than ${MAX_JSON_DEPTH} levels deep`);
  }

  private unexpected(ch: string, expected: string): StrataError {
    const shown = ch.trim() ? `'${ch}'` : 'whitespace';
    return this.opts.fail(
      `unexpected ${shown} at ${describePath(this.path)} (character ${this.consumed}); expected ${expected}`,
    );
  }

  private stepStructure(s: string, i: number): number {
    const c = s.charCodeAt(i);
    if (WS.has(c)) return i + 1;
    const ch = s[i]!;
    const frame = this.stack[this.stack.length - 1];
    if (!frame) {
      if (this.topState === 'done') throw this.opts.fail(`unexpected data after the end of the JSON document`);
      return this.startValue(s, i);
    }
    if (frame.kind === 'object') {
      switch (frame.state) {
        case 'keyOrEnd':
        case 'key':
          if (ch === '"') {
            this.key = { parts: [], chars: 0, escaped: false };
            return i + 1;
          }
          if (ch === '}' && frame.state === 'keyOrEnd') return this.closeContainer(i);
          throw this.unexpected(ch, 'a key in double quotes');
        case 'colon':
          if (ch !== ':') throw this.unexpected(ch, "':'");
          frame.state = 'value';
          return i + 1;
        case 'value':
          return this.startValue(s, i);
        case 'commaOrEnd':
          if (ch === ',') {
            frame.state = 'key';
            this.path.pop();
            return i + 1;
          }
          if (ch === '}') {
            this.path.pop();
            return this.closeContainer(i);
          }
          throw this.unexpected(ch, "',' or '}'");
      }
    }
    switch (frame.state) {
      case 'valueOrEnd':
        if (ch === ']') return this.closeContainer(i);
        this.path.push(frame.index);
        return this.startValue(s, i);
      case 'value':
        this.path.push(frame.index);
        return this.startValue(s, i);
      case 'commaOrEnd':
        if (ch === ',') {
          frame.state = 'value';
          frame.index++;
          return i + 1;
        }
        if (ch === ']') return this.closeContainer(i);
        throw this.unexpected(ch, "',' or ']'");
    }
  }

  /** A value begins at s[i] (not whitespace); `path` already names where it goes. */
  private startValue(s: string, i: number): number {
    const ch = s[i]!;
    if (ch === '{' || ch === '[') {
      const kind = ch === '{' ? 'object' : 'array';
      if (this.opts.descend(this.path, kind)) {
        if (this.stack.length >= MAX_JSON_DEPTH) throw this.tooDeep(this.path);
        this.stack.push(
          kind === 'object' ? { kind, state: 'keyOrEnd', key: '' } : { kind, state: 'valueOrEnd', index: 0 },
        );
        return i + 1;
      }
      this.beginCapture('container');
      return i; // the capture reads the bracket itself
    }
    if (ch === ']' || ch === '}' || ch === ',' || ch === ':') throw this.unexpected(ch, 'a value');
    this.beginCapture(ch === '"' ? 'string' : 'scalar');
    return i;
  }

  private beginCapture(kind: Capture['kind']): void {
    this.capture = {
      path: [...this.path],
      kind,
      parts: [],
      chars: 0,
      limit: this.opts.maxValueChars(this.path),
      depth: 0,
      inString: false,
      escaped: false,
    };
  }

  private append(cap: Capture, s: string, from: number, to: number): void {
    if (to <= from) return;
    cap.chars += to - from;
    if (cap.chars > cap.limit) {
      throw this.opts.fail(`${describePath(cap.path)} is larger than the limit of ${cap.limit} characters`);
    }
    cap.parts.push(s.slice(from, to));
  }

  private stepCapture(s: string, i: number): number {
    const cap = this.capture!;
    if (cap.kind === 'scalar') {
      SCALAR_END.lastIndex = i;
      const m = SCALAR_END.exec(s);
      const end = m ? m.index : s.length;
      this.append(cap, s, i, end);
      if (m) this.finishCapture();
      return end;
    }
    let j = i;
    if (cap.kind === 'string' && cap.chars === 0 && !cap.inString) {
      cap.inString = true;
      j = i + 1; // opening quote
    }
    while (j < s.length) {
      if (cap.inString) {
        const end = scanToStringEnd(s, j, cap);
        if (end < 0) {
          j = s.length;
          break;
        }
        j = end;
        cap.inString = false;
        if (cap.kind === 'string') {
          this.append(cap, s, i, j);
          this.finishCapture();
          return j;
        }
        continue;
      }
      CONTAINER_SPECIAL.lastIndex = j;
      const m = CONTAINER_SPECIAL.exec(s);
      if (!m) {
        j = s.length;
        break;
      }
      j = m.index + 1;
      const t = m[0];
      if (t === '"') cap.inString = true;
      else if (t === '{' || t === '[') {
        // The stack depth counts too: a captured value starts below the descended containers.
        if (++cap.depth + this.stack.length > MAX_JSON_DEPTH) throw this.tooDeep(cap.path);
      } else if (--cap.depth === 0) {
        this.append(cap, s, i, j);
        this.finishCapture();
        return j;
      }
    }
    this.append(cap, s, i, j);
    return j;
  }

  private finishCapture(): void {
    const cap = this.capture!;
    this.capture = null;
    const text = cap.parts.length === 1 ? cap.parts[0]! : cap.parts.join('');
    cap.parts.length = 0;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw this.opts.fail(`${describePath(cap.path)} is not valid JSON (${(e as Error).message})`);
    }
    this.opts.onValue(cap.path, value);
    this.afterValue();
  }

  private stepKey(s: string, i: number): number {
    const k = this.key!;
    const end = scanToStringEnd(s, i, k);
    if (end >= 0) {
      // Closing quote: the raw key text is s[i .. end-1) plus earlier parts.
      k.parts.push(s.slice(i, end - 1));
      k.chars += end - 1 - i;
      this.finishKey();
      return end;
    }
    const j = s.length;
    k.parts.push(s.slice(i, j));
    k.chars += j - i;
    if (k.chars > 1024) throw this.opts.fail(`a key at ${describePath(this.path)} is longer than 1024 characters`);
    return j;
  }

  private finishKey(): void {
    const raw = this.key!.parts.join('');
    this.key = null;
    if (raw.length > 1024) throw this.opts.fail(`a key at ${describePath(this.path)} is longer than 1024 characters`);
    let key: string;
    try {
      key = JSON.parse(`"${raw}"`) as string;
    } catch {
      throw this.opts.fail(`a key at ${describePath(this.path)} is not a valid JSON string`);
    }
    const frame = this.stack[this.stack.length - 1] as Extract<Frame, { kind: 'object' }>;
    frame.key = key;
    frame.state = 'colon';
    this.opts.onKey?.(this.path, key);
    this.path.push(key);
  }

  private closeContainer(i: number): number {
    const frame = this.stack.pop()!;
    this.opts.onClose?.(this.path, frame.kind);
    this.afterValue();
    return i + 1;
  }

  /** A value finished: move the parent to expecting ',' or its end. */
  private afterValue(): void {
    const parent = this.stack[this.stack.length - 1];
    if (!parent) {
      this.topState = 'done';
      return;
    }
    if (parent.kind === 'array') this.path.pop();
    parent.state = 'commaOrEnd';
  }
}
