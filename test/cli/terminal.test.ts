import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_BUNDLE, runStrata } from '../helpers/cli';
import { COMMANDS, COMMAND_GROUPS } from '../../src-main/cli/commands';
import { fakeTerminal } from './fake-terminal';

/**
 * The CLI as a person at a terminal sees it (under a real pseudo-terminal, through util-linux
 * `script`) and as a pipe or a program sees it.
 */
const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-term-'));
afterAll(() => fs.rmSync(sandbox, { recursive: true, force: true }));

const DEMO = ['demo', '--sessions', '200', '--messages-per-session', '100'];
const PROGRESS_LINE = /^demo: \d+% \(\d+\/200\)$/;

/** util-linux `script` runs a command on a fresh pseudo-terminal and copies what it shows. */
const hasScript =
  process.platform === 'linux' &&
  spawnSync('script', ['--version'], { encoding: 'utf8' }).stdout?.includes('util-linux');

function runOnTerminal(args: string[]): Promise<{ code: number | null; output: string }> {
  const quoted = [process.execPath, CLI_BUNDLE, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', `stty cols 100; exec ${quoted}`, '/dev/null'], {
      env: { ...process.env, TERM: 'xterm', STRATA_DEBUG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('progress', () => {
  it.skipIf(!hasScript)(
    'at a terminal (a pseudo-terminal from util-linux script): one line redrawn in place, gone before the result',
    async () => {
      const r = await runOnTerminal(['--data-dir', path.join(sandbox, 'tty'), ...DEMO]);
      expect(r.code, r.output).toBe(0);
      const shown = r.output.match(/demo: \d+%/g) ?? [];
      expect(shown.length).toBeGreaterThan(0);
      // Every redraw went back to the start of the line; none started a new line.
      const term = fakeTerminal();
      term.write(r.output);
      expect(term.visible()).toEqual([expect.stringMatching(/^Added 200 sessions with 20000 messages/)]);
      expect(r.output.split('\n')).toHaveLength(2);
    },
  );

  it('into a pipe: plain lines without escape codes, and only the result on stdout', async () => {
    const r = await runStrata(['--data-dir', path.join(sandbox, 'pipe'), ...DEMO]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('\r');
    expect(r.stderr).not.toContain('\x1b');
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatch(PROGRESS_LINE);
    expect(r.stdout).toMatch(/^Added 200 sessions/);
  });

  it.skipIf(!hasScript)(
    'with --json at a terminal (util-linux script): plain lines, and one JSON document',
    async () => {
      const r = await runOnTerminal(['--data-dir', path.join(sandbox, 'json'), ...DEMO, '--json']);
      expect(r.code, r.output).toBe(0);
      expect(r.output).not.toContain('\x1b[');
      const lines = r.output.split(/\r?\n/).filter(Boolean);
      const docs = lines.filter((l) => l.startsWith('{'));
      expect(docs).toHaveLength(1);
      expect(JSON.parse(docs[0]!)).toMatchObject({ added: { sessions: 200, messages: 20000 } });
      for (const l of lines.filter((x) => !x.startsWith('{'))) expect(l).toMatch(PROGRESS_LINE);
    },
  );
});

describe('help', () => {
  it('places every command in exactly one group, and names no command that does not exist', () => {
    const names = COMMAND_GROUPS.flatMap((g) => g.names);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual(COMMANDS.map((c) => c.name).sort());
  });

  it('strata --help lists commands under what a person wants to do', async () => {
    const r = await runStrata(['--help']);
    expect(r.code).toBe(0);
    const sections = new Map<string, string[]>();
    let current: string[] | null = null;
    for (const line of r.stdout.split('\n')) {
      if (/^[A-Z]/.test(line) && !line.startsWith('Usage:') && !line.startsWith('Run ')) {
        current = [];
        sections.set(line.split(':')[0]!, current);
      } else if (current && line.startsWith('  strata ')) current.push(line.slice('  strata '.length));
    }
    const commandsOf = (title: string) => (sections.get(title) ?? []).map((u) => u.split(/ [A-Z[]|\s--/)[0]);
    expect([...sections.keys()].slice(0, 5)).toEqual(['Protect', 'Inspect', 'Restore', 'Move data', 'Other']);
    expect(commandsOf('Protect')).toEqual([
      'backup',
      'verify',
      'backup-test',
      'stats',
      'prune',
      'store gc',
      'retention run',
    ]);
    expect(commandsOf('Inspect')).toEqual([
      'list',
      'store stats',
      'points',
      'browse',
      'diff',
      'deleted',
      'sessions list',
      'session show',
      'db info',
    ]);
    expect(commandsOf('Restore')).toEqual(['restore-session', 'restore', 'snapshot export']);
    expect(commandsOf('Move data')).toEqual([
      'session export',
      'session import',
      'settings export',
      'settings import',
      'export-json',
      'import-json',
    ]);
    expect(commandsOf('Other')).toEqual(['demo', 'serve', 'db migrate']);
    expect(r.stdout).toContain('restore --undo');
  });
});
