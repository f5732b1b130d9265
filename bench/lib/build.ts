// The benchmark targets run as compiled JavaScript, as the exporter does in production: under tsx the
// TypeScript loader runs in a thread of its own and would add its memory to the RSS we measure. The
// build goes to node_modules/.cache/nexus-bench (ignored by git), so nothing in the tree changes.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const outDir = `${root}node_modules/.cache/nexus-bench/`;
let entry = fileURLToPath(new URL('../target.ts', import.meta.url));

/** The file to fork: compiled JavaScript after `build()`, else the TypeScript source under tsx. */
export function targetEntry(): string {
  return entry;
}

/** Compiles the targets and the exporter; returns how they run. */
export function build(): 'compiled' | 'tsx' {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', `${root}bench/tsconfig.build.json`], { encoding: 'utf8' });
  const compiled = `${outDir}bench/target.js`;
  if (!existsSync(compiled)) {
    console.error(
      `could not compile the benchmark targets; running them under tsx (RSS includes its loader):\n${result.stdout}${result.stderr}`
    );
    return 'tsx';
  }
  // tsc emits even with type errors elsewhere in the tree; say so, but measure.
  if (result.status !== 0)
    console.error(`tsc reported errors (the targets were still emitted):\n${result.stdout.slice(0, 2000)}`);
  // ES modules (the cache is under node_modules, outside the repository's package scope), and the
  // exporter's package.json, which version.ts reads.
  writeFileSync(`${outDir}package.json`, '{ "type": "module" }\n');
  mkdirSync(`${outDir}exporter`, { recursive: true });
  copyFileSync(`${root}exporter/package.json`, `${outDir}exporter/package.json`);
  entry = compiled;
  return 'compiled';
}
