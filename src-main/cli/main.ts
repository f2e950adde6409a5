import { parseArgs } from 'node:util';
import { z } from 'zod';
import { defaultDataDir, dataPaths } from '../core/paths';
import { StrataError, toErrorPayload } from '../core/errors';
import { stderrLogger, type Logger, type LogLevel } from '../core/logger';
import { APP_VERSION } from '../core/app-version';
import type { AnyCommand, CliContext, OptionSpec } from './command';
import { COMMANDS, groupedCommands } from './commands';
import { createProgressRenderer, type ProgressRenderer } from './progress';

const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  'data-dir': { type: 'string', description: 'data folder (default: $STRATA_DATA_DIR or the per-user app folder)' },
  json: { type: 'boolean', description: 'print exactly one JSON document on stdout' },
  help: { type: 'boolean', short: 'h', description: 'show help' },
};

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** A person is watching stderr at a terminal: progress redraws in place there. */
  stderrIsTTY?: boolean;
  stderrColumns?: () => number | undefined;
  env: NodeJS.ProcessEnv;
}

function toParseArgsOptions(specs: Record<string, OptionSpec>) {
  const out: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, o] of Object.entries(specs)) {
    out[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  return out;
}

function formatOptions(options: Record<string, OptionSpec>): string {
  return Object.entries(options)
    .map(([name, o]) => `  --${name}${o.type === 'string' ? ' VALUE' : ''}`.padEnd(28) + o.description)
    .join('\n');
}

function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
}

export function generalHelp(): string {
  return [
    `strata ${APP_VERSION}: keeps your chat sessions safe (backups, restores, archives).`,
    '',
    'Usage: strata [--data-dir DIR] [--json] <command> [options]',
    '',
    // Usage on one line, the summary indented below it: fits an 80-column terminal.
    ...groupedCommands().flatMap((g) => [
      g.title,
      ...g.commands.flatMap((c) => [`  strata ${c.usage}`, ...wrapWords(c.summary, 72).map((l) => `      ${l}`)]),
      '',
    ]),
    'Global options:',
    formatOptions(GLOBAL_OPTIONS),
    '',
    "Run 'strata <command> --help' for a command's options.",
  ].join('\n');
}

function commandHelp(cmd: AnyCommand): string {
  return [
    `Usage: strata ${cmd.usage}`,
    '',
    cmd.summary,
    '',
    'Options:',
    formatOptions({ ...(cmd.options ?? {}), ...GLOBAL_OPTIONS }),
  ].join('\n');
}

/** Longest command name that prefixes the words given (commands may be one or two words). */
function findCommand(words: string[]): { cmd: AnyCommand; rest: string[] } | null {
  let best: { cmd: AnyCommand; rest: string[] } | null = null;
  for (const cmd of COMMANDS) {
    const parts = cmd.name.split(' ');
    if (parts.every((p, i) => words[i] === p) && (!best || parts.length > best.cmd.name.split(' ').length)) {
      best = { cmd, rest: words.slice(parts.length) };
    }
  }
  return best;
}

function zodMessage(e: z.ZodError): string {
  return e.issues
    .map((i) => {
      const where = i.path.length ? (i.path[0] === 'positionals' ? 'argument' : `--${String(i.path[0])}`) : 'arguments';
      return i.message.startsWith('--') ? i.message : `${where}: ${i.message}`;
    })
    .join('; ');
}

/**
 * `--at -5m` means "five minutes ago", but parseArgs takes `-5m` for an option. A value that
 * starts with a dash and a digit, after an option that takes a value, is joined to it (`--at=-5m`).
 */
function joinDashValues(args: string[], options: Record<string, OptionSpec>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const name = a.startsWith('--') ? a.slice(2) : null;
    const next = args[i + 1];
    if (name && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** node:util parseArgs speaks in its own terms ("argument is ambiguous"); say it plainly. */
function describeParseError(e: unknown): string {
  const first = ((e as Error).message ?? String(e)).split('\n')[0]!;
  const missing = /^Option '(-\w, )?(--[\w-]+)(?: <value>)?' argument (?:missing|is ambiguous)/.exec(first);
  if (missing) return `${missing[2]} needs a value`;
  const unknown = /^Unknown option '([^']+)'/.exec(first);
  if (unknown) return `unknown option '${unknown[1]}'`;
  return first.replace(/\.+$/, '');
}

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Log lines go between progress redraws, not through the middle of a live line. */
function cliLogger(minLevel: LogLevel, renderer: ProgressRenderer): Logger {
  const inner = stderrLogger(minLevel);
  const wrap =
    (level: LogLevel) =>
    (msg: string, ctx?: Record<string, unknown>): void => {
      // Filtered here too: a skipped debug line must not make the progress lines flicker.
      if (LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf(minLevel)) return;
      renderer.interrupt(() => inner[level](msg, ctx));
    };
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  // The command name is the leading words that are not options.
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--data-dir') {
      i++;
      continue;
    }
    if (a === '--json' || a.startsWith('--data-dir=')) continue;
    if (a.startsWith('-')) break;
    words.push(a);
  }
  let json = argv.includes('--json');
  const fail = (e: unknown, exit = 1): number => {
    const payload = toErrorPayload(e);
    io.stderr(`error: ${payload.message}\n`);
    if (json) io.stdout(JSON.stringify({ error: payload }) + '\n');
    return exit;
  };

  const found = findCommand(words);
  if (!found) {
    if (argv.length === 0 || argv.includes('--help') || argv.includes('-h') || words[0] === 'help') {
      io.stdout(generalHelp() + '\n');
      return 0;
    }
    const problem = words.length ? `unknown command '${words.join(' ')}'` : 'no command given';
    return fail(new StrataError('usage', `${problem}. Run 'strata --help' for the list.`), 2);
  }
  const { cmd } = found;
  const commandWords = cmd.name.split(' ').length;
  const rest = [...argv];
  // Remove the command words wherever they stood before the first option.
  let removed = 0;
  for (let i = 0; i < rest.length && removed < commandWords;) {
    if (rest[i] === '--data-dir') {
      i += 2;
      continue;
    }
    if (rest[i] === cmd.name.split(' ')[removed]) {
      rest.splice(i, 1);
      removed++;
    } else i++;
  }

  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: joinDashValues(rest, { ...GLOBAL_OPTIONS, ...(cmd.options ?? {}) }),
      options: toParseArgsOptions({ ...GLOBAL_OPTIONS, ...(cmd.options ?? {}) }),
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    return fail(new StrataError('usage', `${describeParseError(e)}. Run 'strata ${cmd.name} --help'.`), 2);
  }
  const values = parsed.values as Record<string, unknown>;
  json = values.json === true;
  if (values.help) {
    io.stdout(commandHelp(cmd) + '\n');
    return 0;
  }
  const { 'data-dir': dataDirOpt, json: _json, help: _help, ...own } = values;
  const args = cmd.args.safeParse({ positionals: parsed.positionals, ...own });
  if (!args.success) {
    return fail(new StrataError('usage', `${zodMessage(args.error)}. Usage: strata ${cmd.usage}`), 2);
  }
  if (dataDirOpt !== undefined && (typeof dataDirOpt !== 'string' || dataDirOpt.trim() === '')) {
    return fail(new StrataError('usage', '--data-dir needs a folder path'), 2);
  }
  const dataDir = typeof dataDirOpt === 'string' ? dataDirOpt : defaultDataDir(io.env);
  const renderer = createProgressRenderer({
    write: io.stderr,
    // --json output is for programs, and a dumb terminal cannot move the cursor: plain lines.
    live: io.stderrIsTTY === true && !json && io.env.TERM !== 'dumb',
    ...(io.stderrColumns ? { columns: io.stderrColumns } : {}),
  });
  const ctx: CliContext = {
    dataDir,
    paths: dataPaths(dataDir),
    json,
    logger: cliLogger(io.env.STRATA_LOG_LEVEL === 'debug' ? 'debug' : 'warn', renderer),
    progress(label, done, total, opts = {}) {
      renderer.update({ label, done, total, ...opts });
    },
  };
  try {
    const result = await cmd.run(ctx, args.data);
    renderer.end();
    io.stdout((json ? JSON.stringify(result) : cmd.print ? cmd.print(result) : JSON.stringify(result, null, 2)) + '\n');
    return cmd.exitCode ? cmd.exitCode(result) : 0;
  } catch (e) {
    renderer.end();
    if (io.env.STRATA_DEBUG) io.stderr(String((e as Error).stack) + '\n');
    return fail(e);
  }
}
