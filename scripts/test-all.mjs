#!/usr/bin/env node
// `npm test`: every suite, in order, each run even when an earlier one failed (a step that needs
// another's output, such as the browser tests needing the plugin build, is skipped only when that
// step failed). Prints one summary of all of them, with the failing tests' names, and exits 1 if any
// failed. `npm test -- exporter integration` runs only the named steps (and what they need).
import { spawn } from 'node:child_process';

const STEPS = [
  { name: 'lint', command: ['npm', 'run', 'lint'] },
  { name: 'generate', command: ['npm', 'run', 'generate', '--', '--check'] },
  { name: 'typecheck', command: ['npm', 'run', 'typecheck'] },
  { name: 'exporter', command: ['npm', 'run', 'test', '-w', 'exporter'] },
  { name: 'integration', command: ['npm', 'run', 'test:integration'] },
  { name: 'plugin-build', command: ['npm', 'run', 'build', '-w', 'plugin'] },
  { name: 'plugin-typecheck', command: ['npm', 'run', 'typecheck', '-w', 'plugin'] },
  { name: 'plugin-lint', command: ['npm', 'run', 'lint', '-w', 'plugin'] },
  { name: 'plugin-jest', command: ['npm', 'run', 'test:ci', '-w', 'plugin'] },
  { name: 'plugin-package', command: ['npm', 'run', 'package', '-w', 'plugin'], needs: ['plugin-build'] },
  { name: 'plugin-browser', command: ['npm', 'run', 'test:browser', '-w', 'plugin'], needs: ['plugin-package'] },
];

/** Names of failing tests in a step's output: node:test's TAP `not ok` lines and jest's `●` headings. */
export function failedTests(output) {
  const names = [];
  for (const line of output.split('\n')) {
    const tap = /^(\s*)not ok \d+ - (.+)$/.exec(line);
    if (tap) names.push(`${tap[1]}${tap[2]}`);
    const jest = /^ {2}● (.+)$/.exec(line);
    if (jest && !names.includes(jest[1])) names.push(jest[1]);
  }
  return names;
}

function runStep(step) {
  const started = Date.now();
  return new Promise((resolve) => {
    process.stdout.write(`\n=== npm test: ${step.name} (${step.command.join(' ')})\n`);
    const child = spawn(step.command[0], step.command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    // Only failing-test names are taken from the output: keep a bounded tail of what was printed.
    let tail = '';
    const keep = (chunk) => {
      tail = (tail + chunk.toString()).slice(-4_000_000);
    };
    child.stdout.on('data', (c) => (process.stdout.write(c), keep(c)));
    child.stderr.on('data', (c) => (process.stderr.write(c), keep(c)));
    child.on('error', (e) => resolve({ code: 1, seconds: 0, failed: [String(e)] }));
    child.on('close', (code, signal) =>
      resolve({ code: code ?? (signal ? 1 : 0), seconds: (Date.now() - started) / 1000, failed: failedTests(tail) })
    );
  });
}

async function main(only) {
  const wanted = new Set(only.length ? only : STEPS.map((s) => s.name));
  for (const name of wanted)
    if (!STEPS.some((s) => s.name === name)) {
      process.stderr.write(`npm test: no step ${name} (steps: ${STEPS.map((s) => s.name).join(', ')})\n`);
      return 2;
    }
  // A wanted step brings the steps it needs.
  for (const s of [...STEPS].reverse()) if (wanted.has(s.name)) for (const n of s.needs ?? []) wanted.add(n);
  const results = new Map();
  for (const step of STEPS.filter((s) => wanted.has(s.name))) {
    const missing = (step.needs ?? []).filter((n) => results.get(n)?.code !== 0);
    results.set(step.name, missing.length ? { skipped: `needs ${missing.join(', ')}` } : await runStep(step));
  }
  const lines = ['', '=== npm test summary'];
  let failures = 0;
  for (const [name, r] of results) {
    if (r.skipped) {
      failures++;
      lines.push(`  not run  ${name.padEnd(18)} ${r.skipped}`);
      continue;
    }
    const status = r.code === 0 ? 'ok' : 'FAILED';
    if (r.code !== 0) failures++;
    lines.push(`  ${status.padEnd(7)}  ${name.padEnd(18)} ${r.seconds.toFixed(1).padStart(7)} s`);
    if (r.code !== 0) for (const t of r.failed.slice(0, 40)) lines.push(`             ${t}`);
  }
  lines.push(failures ? `${failures} of ${results.size} steps failed` : `all ${results.size} steps passed`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return failures ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
