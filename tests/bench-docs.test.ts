// docs/performance.md's recorded run is the report of the recorded benchmark run, bench/results.json, as
// `npm run bench:readme` writes it: a hand edit of the figures, or a new run committed without
// regenerating, fails here. The run must include the idle benchmark with today's runtime flags, and the
// soak, passed (its report is printed by the run, not copied into the page).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { NODE_FLAGS, V8_RUNTIME_FLAGS } from '../exporter/src/runtime.js';
import { README_END, README_START, readmeWithReport, renderReport, type BenchResults } from '../bench/report.js';

const readme = readFileSync(new URL('../docs/performance.md', import.meta.url), 'utf8');
const results = JSON.parse(readFileSync(new URL('../bench/results.json', import.meta.url), 'utf8')) as BenchResults;

describe('docs/performance.md recorded run', () => {
  it('shows bench/results.json (run `npm run bench:readme` after `npm run bench`)', () => {
    assert.equal(readme.split(README_START).length, 2, 'one bench:start marker');
    assert.equal(readme.split(README_END).length, 2, 'one bench:end marker');
    assert.equal(readmeWithReport(readme, results), readme);
  });

  it("would notice a figure that is not the run's", () => {
    const cli = results.idle?.variants.find((v) => v.name === 'cli');
    assert.ok(cli, 'the recorded run has the idle benchmark of the bin');
    const other: BenchResults = structuredClone(results);
    other.idle!.variants.find((v) => v.name === 'cli')!.window.rssMb.median += 1;
    assert.notEqual(renderReport(other), renderReport(results));
    assert.notEqual(readmeWithReport(readme, other), readme);
  });

  it("comes from a run with the exporter's runtime flags", () => {
    assert.deepEqual(results.idle?.flags, [...NODE_FLAGS], 'the idle run used other flags; run `npm run bench` again');
    assert.deepEqual(
      results.idle?.v8Flags,
      [...V8_RUNTIME_FLAGS],
      "the idle run's exporter set other V8 flags on itself; run `npm run bench` again"
    );
  });

  it('includes a soak that passed every check', () => {
    const soak = results.soak as { ok?: boolean; checks?: Array<{ name: string; ok: boolean }> } | undefined;
    assert.ok(soak?.checks?.length, 'the recorded run has the soak; run `npm run bench` (all benchmarks)');
    assert.deepEqual(
      soak.checks.filter((c) => !c.ok).map((c) => c.name),
      []
    );
    assert.equal(soak.ok, true);
  });
});
