// The list of generators that `npm run generate` runs (scripts/generate.ts). One line per output.
import { relative } from 'node:path';
import type { Generator } from './run.js';
import { LUMPY_TESTS_PATH, lumpyTests } from '../lumpy-series.js';
import { SLO_DEFINITIONS, SLO_RULES, generateSloRules, readSloDefinitions } from '../slo.js';
import { REPO_ROOT } from './paths.js';

const rel = (path: string) => relative(REPO_ROOT, path);

export const GENERATORS: Generator[] = [
  { output: rel(SLO_RULES), from: rel(SLO_DEFINITIONS), render: () => generateSloRules(readSloDefinitions()) },
  { output: rel(LUMPY_TESTS_PATH), from: 'scripts/lumpy-series.ts', render: lumpyTests },
];
