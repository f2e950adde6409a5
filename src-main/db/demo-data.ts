import type { SqliteDatabase } from './connection';

/** mulberry32: tiny, fast and deterministic, so the same seed always builds the same data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'the a backup snapshot session message restore data file query index page model token answer question ' +
  'because when while should could would please thanks explain why how what function value return error ' +
  'schema migration table column json array object string number async await promise stream buffer ' +
  'café naïve résumé Zürich Ελληνικά русский 日本語 中文 한국어 עברית العربية हिन्दी'
).split(' ');
const EMOJI = ['🙂', '🚀', '✅', '🔥', '📦', '🧠', '💾', '👍🏽', '🇳🇿', '👩‍💻'];
const MODELS = ['gpt-4o', 'claude-sonnet', 'llama-3-70b', 'mistral-large', 'gemini-pro'];
const TOPICS = [
  'Refactor the parser',
  'Trip to Kyoto',
  'SQLite WAL questions',
  'Birthday ideas 🎂',
  'Rust lifetimes',
  'Résumé review',
];

function sentence(rand: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    out.push(WORDS[Math.floor(rand() * WORDS.length)]!);
    if (rand() < 0.03) out.push(EMOJI[Math.floor(rand() * EMOJI.length)]!);
  }
  const s = out.join(' ');
  return s.charAt(0).toUpperCase() + s.slice(1) + '.';
}

function codeBlock(rand: () => number): string {
  const n = 3 + Math.floor(rand() * 12);
  const lines = ['```ts'];
  for (let i = 0; i < n; i++)
    lines.push(`  const v${i} = await step${i}(input, { retries: ${Math.floor(rand() * 5)} });`);
  lines.push('```');
  return lines.join('\n');
}

/** Mostly short, some paragraphs, a few very long ones with code: like real chats. */
export function demoMessageContent(rand: () => number): string {
  const r = rand();
  if (r < 0.45) return sentence(rand, 4 + Math.floor(rand() * 20));
  if (r < 0.85) {
    const paras: string[] = [];
    const n = 1 + Math.floor(rand() * 4);
    for (let i = 0; i < n; i++) paras.push(sentence(rand, 20 + Math.floor(rand() * 60)));
    if (rand() < 0.4) paras.splice(1, 0, codeBlock(rand));
    return paras.join('\n\n');
  }
  if (r < 0.98)
    return [sentence(rand, 40), codeBlock(rand), sentence(rand, 80), codeBlock(rand), sentence(rand, 30)].join('\n\n');
  const paras: string[] = [];
  for (let i = 0; i < 40; i++) paras.push(i % 5 === 2 ? codeBlock(rand) : sentence(rand, 60 + Math.floor(rand() * 60)));
  return paras.join('\n\n');
}

function uuidFrom(rand: () => number): string {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${(8 + Math.floor(rand() * 4)).toString(16)}${hex(3)}-${hex(12)}`;
}

export interface DemoOptions {
  sessions: number;
  messagesPerSession: number;
  seed?: number;
  now?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface DemoResult {
  sessions: number;
  messages: number;
  sessionIds: string[];
}

/** Adds realistic sessions to whatever is there; one transaction per session keeps memory flat. */
export function generateDemoData(db: SqliteDatabase, opts: DemoOptions): DemoResult {
  const seed = opts.seed ?? 1;
  // Offset by what is there, so a second run adds new rows instead of colliding with the first.
  const existing = (db.prepare(`SELECT COUNT(*) AS n FROM sessions`).get() as { n: number }).n;
  const rand = seededRandom(seed * 1_000_003 + existing);
  const baseTime = opts.now ?? Date.UTC(2026, 0, 1);
  const insertSession = db.prepare(
    `INSERT INTO sessions (id, title, model, created_at, updated_at, prompt_tokens, completion_tokens, total_tokens, cost_usd, starred, metadata)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertMessage = db.prepare(
    `INSERT INTO messages (id, session_id, sequence, role, content, token_count, created_at, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const ids: string[] = [];
  const writeSession = db.transaction((index: number) => {
    const id = uuidFrom(rand);
    const created = baseTime - Math.floor(rand() * 90 * 86_400_000);
    let t = created;
    let prompt = 0;
    let completion = 0;
    const model = MODELS[Math.floor(rand() * MODELS.length)]!;
    insertSession.run(
      id,
      `${TOPICS[index % TOPICS.length]} #${existing + index + 1}`,
      model,
      created,
      created,
      0,
      0,
      0,
      0,
      rand() < 0.1 ? 1 : 0,
      JSON.stringify({ demo: true, seed }),
    );
    for (let seq = 1; seq <= opts.messagesPerSession; seq++) {
      const role = seq === 1 && rand() < 0.3 ? 'system' : seq % 2 === 1 ? 'user' : 'assistant';
      const content = demoMessageContent(rand);
      const tokens = Math.ceil(content.length / 4);
      if (role === 'assistant') completion += tokens;
      else prompt += tokens;
      t += 1000 + Math.floor(rand() * 120_000);
      insertMessage.run(
        uuidFrom(rand),
        id,
        seq,
        role,
        content,
        tokens,
        t,
        role === 'assistant' ? JSON.stringify({ model }) : '{}',
      );
    }
    db.prepare(
      `UPDATE sessions SET updated_at = ?, prompt_tokens = ?, completion_tokens = ?, total_tokens = ?, cost_usd = ? WHERE id = ?`,
    ).run(t, prompt, completion, prompt + completion, Math.round(prompt * 0.0025 + completion * 0.01) / 1000, id);
    ids.push(id);
  });
  for (let i = 0; i < opts.sessions; i++) {
    writeSession.immediate(i);
    opts.onProgress?.(i + 1, opts.sessions);
  }
  return { sessions: opts.sessions, messages: opts.sessions * opts.messagesPerSession, sessionIds: ids };
}
