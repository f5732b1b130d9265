// Every generated file in the repository, from its one source of truth (the list: scripts/generate/index.ts).
//
//   npm run generate              write every output that changed
//   npm run generate -- --check   write nothing; exit 1 naming each output that is not current (in npm test)
import { GENERATORS } from './generate/index.js';
import { REPO_ROOT } from './generate/paths.js';
import { runGenerators } from './generate/run.js';

const check = process.argv.includes('--check');
try {
  const { written, stale } = await runGenerators(GENERATORS, { root: REPO_ROOT, check });
  for (const w of written) process.stdout.write(`wrote ${w}\n`);
  if (stale.length > 0) {
    process.stderr.write(`not current, run npm run generate:\n${stale.map((s) => `  ${s}\n`).join('')}`);
    process.exitCode = 1;
  }
} catch (e) {
  process.stderr.write(`generate: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
