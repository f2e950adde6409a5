import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { expect } from 'vitest';
import type { Backend } from '../../src-main/repository/backend';
import { seededRandom } from '../helpers/seeded-random';
import { contentFor } from './fixtures/content';
import { killName } from './fixtures/save-child';

const root = path.resolve(__dirname, '..', '..');
const bundles = new Map<string, string>();

/** The save child bundled with the backend's opener, once per opener and test file. */
function childBundle(opener: string): string {
  const hit = bundles.get(opener);
  if (hit) return hit;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-backend-child-'));
  const entry = path.join(dir, 'entry.ts');
  fs.writeFileSync(
    entry,
    `import { openBackend } from ${JSON.stringify(opener)};\n` +
      `import { runSaveChild } from ${JSON.stringify(path.join(root, 'test/repository/fixtures/save-child.ts'))};\n` +
      `runSaveChild(openBackend).catch((e) => { process.stderr.write(String(e?.stack ?? e) + '\\n'); process.exit(1); });\n`,
  );
  const out = path.join(dir, 'save-child.cjs');
  buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: out,
    external: ['better-sqlite3'],
    nodePaths: [path.join(root, 'node_modules')],
    logLevel: 'error',
  });
  bundles.set(opener, out);
  return out;
}

const BYTES = 1024 * 1024;
const SAVES = 24;

interface KillRun {
  /** Saves the child reported finished. */
  saved: Set<number>;
  /** The save in flight when the kill landed, if one was. */
  inFlight: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * Starts the child and kills it with SIGKILL a seeded number of milliseconds after it announces
 * save `at`; the instant is the test's input, not something it waits for.
 */
function runAndKill(
  script: string,
  args: string[],
  env: Record<string, string>,
  at: number,
  delayMs: number,
): Promise<KillRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let out = '';
    let err = '';
    let armed = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!armed && out.split('\n').includes(`saving ${at}`)) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      const lines = out.split('\n');
      const saved = new Set(lines.filter((l) => l.startsWith('saved ')).map((l) => Number(l.slice(6))));
      const started = lines.filter((l) => l.startsWith('saving ')).map((l) => Number(l.slice(7)));
      const last = started.at(-1);
      resolve({ saved, inFlight: last !== undefined && !saved.has(last) ? last : null, signal, stderr: err });
    });
  });
}

export interface KillOptions {
  opener?: string;
  childEnv?: Record<string, string>;
  kills: number;
  seed: number;
}

/**
 * kill -9 of a real second process that saves 1 MiB files through the backend, at seeded
 * instants. After each kill: every name listed holds exactly what was saved under it (nothing
 * half-written is ever visible), every save the child finished is there, the save in flight is
 * whole or absent, and saving the missing names again works.
 */
export async function runKillDuringSave(b: Backend, opts: KillOptions): Promise<void> {
  const script = childBundle(opts.opener ?? path.join(root, 'src-main/repository/open-backend.ts'));
  const rand = seededRandom(opts.seed);
  let interrupted = 0;
  for (let k = 0; k < opts.kills; k++) {
    const seed = opts.seed + k;
    // Killed within the first third of the saves, so the child is still saving when it lands.
    const at = Math.floor(rand() * (SAVES / 3));
    const delayMs = Math.floor(rand() * 10);
    const args = [JSON.stringify(b.description), String(seed), String(SAVES), String(BYTES)];
    const run = await runAndKill(script, args, opts.childEnv ?? {}, at, delayMs);
    expect(run.stderr).toBe('');
    const listed = new Map<string, number>();
    for await (const f of b.list('pack', { prefix: `kill-${seed}-` })) listed.set(f.name, f.size);
    for (let i = 0; i < SAVES; i++) {
      const h = { kind: 'pack' as const, name: killName(seed, i) };
      const want = contentFor(seed, i, BYTES);
      if (run.saved.has(i)) expect(listed.has(h.name), `${h.name} was reported saved`).toBe(true);
      if (listed.has(h.name)) {
        expect(listed.get(h.name)).toBe(BYTES);
        expect((await b.load(h)).equals(want), `${h.name} is whole`).toBe(true);
      } else {
        expect(await b.stat(h)).toBeNull();
        await b.save(h, want, { ifAbsent: true });
        expect((await b.load(h)).equals(want)).toBe(true);
      }
    }
    if (run.signal === 'SIGKILL' && run.inFlight !== null) interrupted++;
  }
  // The instants must actually land inside saves, or the test proves nothing.
  expect(interrupted).toBeGreaterThan(0);
}
