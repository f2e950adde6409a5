#!/usr/bin/env node
// `npm run bench`: runs the snapshots section and then the archives section (when
// bench/archives-bench.mjs exists), prints every table and writes bench/results/bench-<time>.json.
// Flags: --size-mb N (default 256) | --large (1024) | --runs N | --points N (store section, default 45)
//        | --only snapshots|store|points|continuous|crypto|archives | --skip-archives
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { ROOT, printTables } from './lib.mjs';

const USAGE =
  'usage: node bench/run.mjs [--size-mb N | --large] [--runs N] [--points N] [--only snapshots|store|points|continuous|crypto|archives] [--skip-archives]';

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      'size-mb': { type: 'string' },
      large: { type: 'boolean', default: false },
      runs: { type: 'string' },
      points: { type: 'string' },
      only: { type: 'string' },
      'skip-archives': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const whole = (name, raw, min, max) => {
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max)
      throw new Error(`--${name} must be a whole number from ${min} to ${max}`);
    return Number(raw);
  };
  if (values.large && values['size-mb'] !== undefined) throw new Error('use either --large or --size-mb, not both');
  const sizeMb = values.large
    ? 1024
    : values['size-mb'] !== undefined
      ? whole('size-mb', values['size-mb'], 1, 65536)
      : 256;
  if (
    values.only !== undefined &&
    !['snapshots', 'store', 'points', 'continuous', 'crypto', 'archives'].includes(values.only)
  )
    throw new Error('--only must be snapshots, store, points, continuous, crypto or archives');
  return {
    sizeMb,
    large: values.large,
    runs: values.runs !== undefined ? whole('runs', values.runs, 1, 20) : undefined,
    points: values.points !== undefined ? whole('points', values.points, 2, 1000) : undefined,
    only: values.only ?? null,
    skipArchives: values['skip-archives'],
  };
}

/** A table from any `{ name: { seconds, ratio?, peakRssMb?, eventLoopDelayMs?, bytes? } }` entries, else JSON. */
function fallbackTables(name, result) {
  const phases = Object.entries(result).filter(([, v]) => v && typeof v === 'object' && typeof v.seconds === 'number');
  if (!phases.length) return [{ title: name, columns: ['result'], rows: [[JSON.stringify(result)]] }];
  const r2 = (n) => (typeof n === 'number' ? Math.round(n * 100) / 100 : null);
  return [
    {
      title: `${name}${result.messages ? `: ${result.messages} messages` : ''}${result.goals ? ` (goals: ${JSON.stringify(result.goals)})` : ''}`,
      columns: ['phase', 'seconds', 'ratio', 'peak RSS MB', 'ELD p50', 'ELD p99', 'ELD max', 'bytes'],
      rows: phases.map(([phase, v]) => [
        phase,
        r2(v.seconds),
        r2(v.ratio),
        v.peakRssMb ?? null,
        v.eventLoopDelayMs?.p50 ?? null,
        v.eventLoopDelayMs?.p99 ?? null,
        v.eventLoopDelayMs?.max ?? null,
        v.bytes ?? null,
      ]),
    },
  ];
}

async function main() {
  let opts;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (e) {
    console.error(`error: ${e.message}\n${USAGE}`);
    process.exit(2);
  }
  const startedAt = new Date();
  const report = {
    startedAt: startedAt.toISOString(),
    options: opts,
    machine: {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? null,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
      tmpdir: os.tmpdir(),
    },
    sections: {},
  };
  const log = (line) => console.error(line);
  let failed = false;

  const sections = [];
  if (opts.only === null || opts.only === 'snapshots')
    sections.push({ name: 'snapshots', file: path.join(ROOT, 'bench', 'snapshots-bench.mjs') });
  if (opts.only === null || opts.only === 'store')
    sections.push({ name: 'store', file: path.join(ROOT, 'bench', 'store-bench.mjs') });
  if (opts.only === null || opts.only === 'points')
    sections.push({ name: 'points', file: path.join(ROOT, 'bench', 'points-bench.mjs') });
  if (opts.only === null || opts.only === 'continuous')
    sections.push({ name: 'continuous', file: path.join(ROOT, 'bench', 'continuous-bench.mjs') });
  if (opts.only === null || opts.only === 'crypto')
    sections.push({ name: 'crypto', file: path.join(ROOT, 'bench', 'crypto-bench.mjs') });
  if ((opts.only === null || opts.only === 'archives') && !opts.skipArchives) {
    const file = path.join(ROOT, 'bench', 'archives-bench.mjs');
    if (fs.existsSync(file)) sections.push({ name: 'archives', file });
    else if (opts.only === 'archives') {
      console.error('error: bench/archives-bench.mjs does not exist yet');
      process.exit(1);
    } else log('(bench/archives-bench.mjs not found: skipping the archives section)');
  }

  for (const section of sections) {
    log(`\n== ${section.name} ==`);
    const started = performance.now();
    try {
      const mod = await import(pathToFileURL(section.file).href);
      if (typeof mod.run !== 'function') throw new Error(`${path.basename(section.file)} does not export run()`);
      const result = await mod.run({ ...opts, log });
      const { tables, ...rest } = result ?? {};
      // Sections return their tables; a section that returns only figures gets a generic table.
      printTables(Array.isArray(tables) ? tables : fallbackTables(section.name, rest));
      report.sections[section.name] = {
        ...rest,
        ...(Array.isArray(tables) ? { tables } : {}),
        seconds: Math.round(performance.now() - started) / 1000,
      };
    } catch (e) {
      failed = true;
      console.error(`error: the ${section.name} section failed: ${e?.message ?? e}`);
      report.sections[section.name] = {
        error: String(e?.message ?? e),
        seconds: Math.round(performance.now() - started) / 1000,
      };
    }
  }

  report.finishedAt = new Date().toISOString();
  report.machine.loadAverageAtEnd = os.loadavg().map((l) => Math.round(l * 100) / 100);
  const dir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const out = path.join(dir, `bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  const tmpOut = `${out}.tmp`;
  fs.writeFileSync(tmpOut, JSON.stringify(report, null, 2) + '\n');
  fs.renameSync(tmpOut, out);
  console.log(`\nresults: ${path.relative(process.cwd(), out)}`);
  process.exit(failed ? 1 : 0);
}

await main();
