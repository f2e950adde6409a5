#!/usr/bin/env node
// Every check in one command: typecheck, lint, build, then every Vitest suite (unit, CLI,
// kill tests, browser end to end). Ends with one plain line: "N passed, N failed".
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
let passed = 0;
let failed = 0;
let skipped = 0;

function step(label, cmd, args) {
  process.stdout.write(`\n== ${label} ==\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  const ok = r.status === 0;
  process.stdout.write(`== ${label}: ${ok ? 'ok' : 'FAILED'} ==\n`);
  return ok;
}

const checks = [
  ['typecheck', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']],
  ['lint', bin('eslint'), ['.', '--max-warnings=0']],
  ['format', bin('prettier'), ['--check', '.']],
  ['build', process.execPath, [path.join(root, 'scripts', 'build.mjs')]],
];
for (const [label, cmd, args] of checks) {
  if (step(label, cmd, args)) passed++;
  else failed++;
}

const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'strata-vitest-')), 'report.json');
step('vitest', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`]);
if (fs.existsSync(report)) {
  const r = JSON.parse(fs.readFileSync(report, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  // A suite that fails to load has no tests in it but must still count as a failure.
  failed += (r.testResults ?? []).filter((t) => t.status === 'failed' && t.assertionResults.length === 0).length;
} else {
  failed++;
}
// Skipped tests (the Electron spec without its binary) get their own line; the last line is
// exactly "N passed, N failed", which is what CI reads.
process.stdout.write(`\n${skipped} skipped\n${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
