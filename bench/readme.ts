// `npm run bench:readme`: writes the report of the recorded run (bench/results.json, from `npm run
// bench`) into docs/performance.md between the bench markers. One command after a run; commit both files.
import { readFileSync, writeFileSync } from 'node:fs';
import { readmeWithReport, type BenchResults } from './report.js';

const readmeUrl = new URL('../docs/performance.md', import.meta.url);
const results = JSON.parse(readFileSync(new URL('./results.json', import.meta.url), 'utf8')) as BenchResults;
const before = readFileSync(readmeUrl, 'utf8');
const after = readmeWithReport(before, results);
writeFileSync(readmeUrl, after);
console.log(
  after === before
    ? 'docs/performance.md already shows bench/results.json'
    : `docs/performance.md now shows the run of ${results.startedAt}`
);
