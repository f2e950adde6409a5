import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStrata, type CliRun } from '../helpers/cli';
import { tempDir } from '../helpers/temp-dir';
import { chatContentHash, countRows, sha256File } from '../helpers/db-dump';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../src-main/db/migrations';

/**
 * The CLI end to end, as a person runs it: a child process on dist/cli.cjs. STRATA_DATA_DIR always
 * points at a temp folder so a bug can never write into the real per-user folder.
 */
const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-cli-'));
const sandboxEnv = { STRATA_DATA_DIR: path.join(sandbox, 'default-dir'), STRATA_DEBUG: '' };
afterAll(() => fs.rmSync(sandbox, { recursive: true, force: true }));

const run = (args: string[], env: NodeJS.ProcessEnv = {}) => runStrata(args, { env: { ...sandboxEnv, ...env } });

interface SessionSummary {
  id: string;
  title: string;
  messageCount: number;
  updatedAt: number;
}

/** Exactly one JSON document on stdout, on its own line. */
function oneJsonDocument(r: CliRun): unknown {
  const lines = r.stdout.split('\n').filter((l) => l.trim() !== '');
  expect(lines.length, `stdout: ${r.stdout}`).toBe(1);
  return JSON.parse(lines[0]!);
}

/** A usage/runtime error as a person sees it: one `error:` line, no stack trace, the code and message in JSON. */
function expectCleanError(r: CliRun, exit: number, code: string): { code: string; message: string } {
  expect(r.code, r.stderr).toBe(exit);
  const errorLines = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
  expect(errorLines.length, r.stderr).toBe(1);
  expect(errorLines[0]!.length).toBeGreaterThan('error: '.length + 10);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr).not.toMatch(/\.ts:\d+|\.cjs:\d+|node:internal/);
  const doc = oneJsonDocument(r) as { error: { code: string; message: string } };
  expect(Object.keys(doc)).toEqual(['error']);
  expect(Object.keys(doc.error).sort()).toEqual(['code', 'message']);
  expect(doc.error.code).toBe(code);
  expect(errorLines[0]).toBe(`error: ${doc.error.message}`);
  return doc.error;
}

describe('a data folder with 50 demo sessions of 200 messages', () => {
  let dir: string;
  let demo: CliRun;
  let sessions: SessionSummary[];

  beforeAll(async () => {
    dir = path.join(sandbox, 'demo-50x200');
    demo = await run(['--data-dir', dir, 'demo', '--sessions', '50', '--messages-per-session', '200', '--json']);
    const list = await run(['--data-dir', dir, 'sessions', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    sessions = oneJsonDocument(list) as SessionSummary[];
  });

  it('demo prints the counts it added as one JSON document', () => {
    expect(demo.code, demo.stderr).toBe(0);
    const doc = oneJsonDocument(demo) as { added: unknown; totals: unknown };
    expect(doc.added).toEqual({ sessions: 50, messages: 10_000 });
    expect(doc.totals).toEqual({ sessions: 50, messages: 10_000 });
    expect(countRows(path.join(dir, 'strata.db'), ['sessions', 'messages'])).toEqual({
      sessions: 50,
      messages: 10_000,
    });
  });

  it('sessions list --json shows 50 sessions of 200 messages with id, title and messageCount', () => {
    expect(sessions.length).toBe(50);
    expect(new Set(sessions.map((s) => s.id)).size).toBe(50);
    for (const s of sessions) {
      expect(typeof s.id).toBe('string');
      expect(s.id.length).toBeGreaterThan(0);
      expect(typeof s.title).toBe('string');
      expect(s.title.length).toBeGreaterThan(0);
      expect(s.messageCount).toBe(200);
    }
    // Newest first.
    const times = sessions.map((s) => s.updatedAt);
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('sessions list --search and --limit narrow the list', async () => {
    const r = await run(['--data-dir', dir, 'sessions', 'list', '--search', 'kyoto', '--limit', '3', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const list = oneJsonDocument(r) as SessionSummary[];
    expect(list.length).toBe(3);
    expect(list.every((s) => /kyoto/i.test(s.title))).toBe(true);
  });

  it('session show ID --json returns the session and its messages in order', async () => {
    const target = sessions[7]!;
    const r = await run(['--data-dir', dir, 'session', 'show', target.id, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = oneJsonDocument(r) as {
      session: { id: string; title: string };
      messageCount: number;
      messages: { sequence: number; sessionId: string; content: string; role: string }[];
    };
    expect(doc.session.id).toBe(target.id);
    expect(doc.session.title).toBe(target.title);
    expect(doc.messageCount).toBe(200);
    expect(doc.messages.map((m) => m.sequence)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(doc.messages.every((m) => m.sessionId === target.id && m.content.length > 0)).toBe(true);

    const limited = await run(['--data-dir', dir, 'session', 'show', target.id, '--limit', '5', '--json']);
    const few = oneJsonDocument(limited) as { messageCount: number; messages: unknown[] };
    expect(few.messages.length).toBe(5);
    expect(few.messageCount).toBe(200);
  });

  it('session show without --json prints the title and the messages for a person', async () => {
    const target = sessions[0]!;
    const r = await run(['--data-dir', dir, 'session', 'show', target.id, '--limit', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(target.title);
    expect(r.stdout).toContain('200 messages');
    expect(r.stdout).toMatch(/^#1 /m);
    expect(r.stdout).toMatch(/^#2 /m);
    expect(r.stdout).not.toMatch(/^#3 /m);
  });

  it('db info --json shows WAL, the schema version, the counts and a clean quick_check', async () => {
    const r = await run(['--data-dir', dir, 'db', 'info', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const info = oneJsonDocument(r) as {
      path: string;
      sizeBytes: number;
      journalMode: string;
      schemaVersion: number;
      counts: Record<string, number>;
      quickCheck: string;
    };
    expect(info.journalMode).toBe('wal');
    expect(info.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(info.path).toBe(path.join(dir, 'strata.db'));
    expect(info.sizeBytes).toBe(fs.statSync(path.join(dir, 'strata.db')).size);
    expect(info.sizeBytes).toBeGreaterThan(1024 * 1024);
    expect(info.counts).toMatchObject({
      sessions: 50,
      messages: 10_000,
      schema_migrations: LATEST_SCHEMA_VERSION,
      database_metadata: 1,
    });
    expect(info.quickCheck).toBe('ok');
  });

  it('db info without --json prints readable lines', async () => {
    const r = await run(['--data-dir', dir, 'db', 'info']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/journal mode:\s+wal/);
    expect(r.stdout).toMatch(new RegExp(`schema version:\\s+${LATEST_SCHEMA_VERSION}`));
    expect(r.stdout).toMatch(/messages\s+10000/);
  });

  it('db migrate on an up-to-date database applies nothing and changes no data', async () => {
    const file = path.join(dir, 'strata.db');
    const before = chatContentHash(file);
    const r = await run(['--data-dir', dir, 'db', 'migrate', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(oneJsonDocument(r)).toEqual({
      path: file,
      from: LATEST_SCHEMA_VERSION,
      to: LATEST_SCHEMA_VERSION,
      applied: [],
    });
    expect(chatContentHash(file)).toBe(before);
    const human = await run(['--data-dir', dir, 'db', 'migrate']);
    expect(human.stdout).toContain(`up to date (version ${LATEST_SCHEMA_VERSION})`);
  });
});

describe('db migrate on a new folder', () => {
  it('creates a database at the latest schema', async () => {
    const dir = tempDir();
    const r = await run(['--data-dir', dir, 'db', 'migrate', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(oneJsonDocument(r)).toEqual({
      path: path.join(dir, 'strata.db'),
      from: 0,
      to: LATEST_SCHEMA_VERSION,
      applied: MIGRATIONS.map((m) => ({ version: m.version, name: m.name })),
    });
    const db = new Database(path.join(dir, 'strata.db'), { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });
});

describe('demo adds to what is there', () => {
  it('a second run grows the counts', async () => {
    const dir = tempDir();
    const args = ['--data-dir', dir, 'demo', '--sessions', '3', '--messages-per-session', '4', '--json'];
    expect((await run(args)).code).toBe(0);
    const second = await run(args);
    expect(second.code, second.stderr).toBe(0);
    expect((oneJsonDocument(second) as { totals: unknown }).totals).toEqual({ sessions: 6, messages: 24 });
  });

  it('the same seed gives the same data in two folders', async () => {
    const a = tempDir();
    const b = tempDir();
    for (const dir of [a, b]) {
      const r = await run([
        '--data-dir',
        dir,
        'demo',
        '--sessions',
        '4',
        '--messages-per-session',
        '9',
        '--seed',
        '77',
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/Added 4 sessions with 36 messages/);
    }
    expect(chatContentHash(path.join(a, 'strata.db'))).toBe(chatContentHash(path.join(b, 'strata.db')));
  });
});

describe('help', () => {
  it('--help lists every command of this issue', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: strata /m);
    for (const c of ['demo', 'sessions list', 'session show ID', 'db info', 'db migrate']) {
      expect(r.stdout).toMatch(new RegExp(`^  strata ${c}`, 'm'));
    }
    expect(r.stdout).toContain('--data-dir');
    expect(r.stdout).toContain('--json');
    expect(r.stderr).toBe('');
  });

  it('no arguments at all prints the same usage', async () => {
    const r = await run([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: strata /m);
  });

  const perCommand: [string[], string[]][] = [
    [['demo'], ['--sessions', '--messages-per-session', '--seed']],
    [
      ['sessions', 'list'],
      ['--search', '--limit'],
    ],
    [['session', 'show'], ['--limit']],
    [['db', 'info'], []],
    [['db', 'migrate'], []],
  ];
  for (const [words, options] of perCommand) {
    it(`${words.join(' ')} --help prints its usage and options without running`, async () => {
      const dir = tempDir();
      const r = await run(['--data-dir', dir, ...words, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: strata ${words.join(' ')}`, 'm'));
      for (const o of [...options, '--data-dir', '--json']) expect(r.stdout).toContain(o);
      expect(fs.existsSync(path.join(dir, 'strata.db'))).toBe(false);
    });
  }
});

describe('data folder selection', () => {
  it('STRATA_DATA_DIR picks the folder and --data-dir overrides it', async () => {
    const fromEnv = tempDir();
    const fromFlag = tempDir();
    const env = { STRATA_DATA_DIR: fromEnv };
    const a = await run(['demo', '--sessions', '2', '--messages-per-session', '1', '--json'], env);
    expect(a.code, a.stderr).toBe(0);
    const b = await run(
      ['--data-dir', fromFlag, 'demo', '--sessions', '3', '--messages-per-session', '1', '--json'],
      env,
    );
    expect(b.code, b.stderr).toBe(0);
    expect(countRows(path.join(fromEnv, 'strata.db'), ['sessions'])).toEqual({ sessions: 2 });
    expect(countRows(path.join(fromFlag, 'strata.db'), ['sessions'])).toEqual({ sessions: 3 });

    const info = await run(['db', 'info', '--json'], env);
    expect((oneJsonDocument(info) as { path: string }).path).toBe(path.join(fromEnv, 'strata.db'));
    const overridden = await run(['--data-dir', fromFlag, 'db', 'info', '--json'], env);
    expect((oneJsonDocument(overridden) as { path: string }).path).toBe(path.join(fromFlag, 'strata.db'));
  });

  it('--data-dir=DIR and --data-dir after the command work too', async () => {
    const dir = tempDir();
    const r = await run(['demo', '--sessions', '1', '--messages-per-session', '2', `--data-dir=${dir}`, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const list = await run(['sessions', 'list', '--data-dir', dir, '--json']);
    expect((oneJsonDocument(list) as SessionSummary[]).map((s) => s.messageCount)).toEqual([2]);
  });
});

describe('bad arguments', () => {
  const cases: { what: string; args: string[]; mentions: RegExp }[] = [
    { what: 'unknown command', args: ['frobnicate'], mentions: /unknown command 'frobnicate'/ },
    { what: 'unknown two-word command', args: ['db', 'explode'], mentions: /unknown command 'db explode'/ },
    {
      what: 'unknown option',
      args: ['demo', '--sessions', '1', '--messages-per-session', '1', '--bogus'],
      mentions: /--bogus/,
    },
    {
      what: 'missing required option',
      args: ['demo', '--sessions', '5'],
      mentions: /--messages-per-session is required/,
    },
    {
      what: 'non-numeric --sessions',
      args: ['demo', '--sessions', 'lots', '--messages-per-session', '2'],
      mentions: /--sessions must be a whole number/,
    },
    {
      what: 'fractional --messages-per-session',
      args: ['demo', '--sessions', '2', '--messages-per-session', '2.5'],
      mentions: /--messages-per-session must be a whole number/,
    },
    {
      what: 'zero --sessions',
      args: ['demo', '--sessions', '0', '--messages-per-session', '2'],
      mentions: /--sessions must be at least 1/,
    },
    { what: 'extra positional', args: ['sessions', 'list', 'surprise'], mentions: /takes no arguments/ },
    { what: 'two ids for session show', args: ['session', 'show', 'a', 'b'], mentions: /only one session ID/ },
    { what: 'missing ID', args: ['session', 'show'], mentions: /session ID is required/ },
    {
      what: 'non-numeric --limit',
      args: ['sessions', 'list', '--limit', 'ten'],
      mentions: /--limit must be a whole number/,
    },
  ];

  for (const c of cases) {
    it(`${c.what}: exit 2, one error line, JSON error, nothing written`, async () => {
      const dir = tempDir();
      const r = await run(['--data-dir', dir, ...c.args, '--json']);
      const error = expectCleanError(r, 2, 'usage');
      expect(error.message).toMatch(c.mentions);
      expect(fs.readdirSync(dir)).toEqual([]);

      // Without --json: the same error line, and nothing on stdout.
      const plain = await run(['--data-dir', dir, ...c.args]);
      expect(plain.code).toBe(2);
      expect(plain.stdout).toBe('');
      expect(plain.stderr.trim()).toBe(`error: ${error.message}`);
    });
  }

  it('an option missing its value names the option in a readable sentence', async () => {
    const r = await run(['--data-dir', tempDir(), 'demo', '--messages-per-session', '3', '--sessions', '--json']);
    const error = expectCleanError(r, 2, 'usage');
    expect(error.message).toContain('--sessions');
    // Says what is wrong (a value is missing), and ends its sentence once, not "ambiguous.. Run".
    expect(error.message).toMatch(/value/i);
    expect(error.message).not.toContain('..');
  });

  it('--json alone says a command is missing instead of calling --json a command', async () => {
    const r = await run(['--json']);
    const error = expectCleanError(r, 2, 'usage');
    expect(error.message).not.toContain("unknown command '--json'");
    expect(error.message).toMatch(/command/);
  });
});

describe('runtime errors', () => {
  it('a session id that does not exist exits 1 with not_found', async () => {
    const dir = tempDir();
    expect((await run(['--data-dir', dir, 'db', 'migrate'])).code).toBe(0);
    const r = await run(['--data-dir', dir, 'session', 'show', 'no-such-id', '--json']);
    const error = expectCleanError(r, 1, 'not_found');
    expect(error.message).toContain('no-such-id');
  });

  it('db info on a folder without a database exits 1 with not_found and creates nothing', async () => {
    const dir = tempDir();
    const r = await run(['--data-dir', dir, 'db', 'info', '--json']);
    expectCleanError(r, 1, 'not_found');
    expect(fs.existsSync(path.join(dir, 'strata.db'))).toBe(false);
  });

  it('a file that is not a database is reported as corrupt and left as it was', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'strata.db');
    fs.writeFileSync(file, Buffer.from('this is a text file, not SQLite\n'.repeat(200)));
    const sha = sha256File(file);
    for (const args of [
      ['sessions', 'list'],
      ['db', 'info'],
      ['db', 'migrate'],
    ]) {
      const r = await run(['--data-dir', dir, ...args, '--json']);
      const error = expectCleanError(r, 1, 'corrupt');
      expect(error.message).toMatch(/damaged/);
    }
    expect(sha256File(file)).toBe(sha);
  });

  it('a database from a newer Strata is refused with schema_too_new and left untouched', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'strata.db');
    expect((await run(['--data-dir', dir, 'demo', '--sessions', '2', '--messages-per-session', '2'])).code).toBe(0);
    const raw = new Database(file);
    raw.pragma('user_version = 5');
    raw.pragma('wal_checkpoint(TRUNCATE)');
    raw.close();
    const sha = sha256File(file);
    const mtime = fs.statSync(file).mtimeMs;

    for (const args of [
      ['sessions', 'list'],
      ['db', 'migrate'],
      ['demo', '--sessions', '1', '--messages-per-session', '1'],
    ]) {
      const r = await run(['--data-dir', dir, ...args, '--json']);
      const error = expectCleanError(r, 1, 'schema_too_new');
      expect(error.message).toContain('5');
    }
    expect(sha256File(file)).toBe(sha);
    expect(fs.statSync(file).mtimeMs).toBe(mtime);

    // db info still reads it, and says which version it is.
    const info = await run(['--data-dir', dir, 'db', 'info', '--json']);
    expect(info.code, info.stderr).toBe(0);
    expect((oneJsonDocument(info) as { schemaVersion: number }).schemaVersion).toBe(5);
    expect(sha256File(file)).toBe(sha);
  });
});
