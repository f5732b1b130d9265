// `npm run generate` (scripts/generate.ts): writes what changed, and with --check writes nothing and names
// every output that is not what its generator renders (npm test runs the check on the repository).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runGenerators, type Generator } from '../scripts/generate/run.js';

describe('npm run generate', () => {
  const root = mkdtempSync(join(tmpdir(), 'nexus-generate-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const generators: Generator[] = [
    { output: 'current.txt', from: 'a', render: () => 'same\n' },
    { output: 'stale.txt', from: 'b', render: () => 'new\n' },
    { output: 'sub/missing.txt', from: 'c', render: async () => 'created\n' },
  ];

  test('--check writes nothing and names each output that is stale or missing', async () => {
    writeFileSync(join(root, 'current.txt'), 'same\n');
    writeFileSync(join(root, 'stale.txt'), 'old\n');
    const r = await runGenerators(generators, { root, check: true });
    assert.deepEqual(r.stale, ['stale.txt', 'sub/missing.txt']);
    assert.deepEqual(r.written, []);
    assert.equal(readFileSync(join(root, 'stale.txt'), 'utf8'), 'old\n');
    assert.equal(existsSync(join(root, 'sub/missing.txt')), false, 'the missing output is not created');
  });

  test('writes the outputs that changed, and then the check passes', async () => {
    const r = await runGenerators(generators, { root, check: false });
    assert.deepEqual(r.written, ['stale.txt', 'sub/missing.txt']);
    assert.equal(readFileSync(join(root, 'sub/missing.txt'), 'utf8'), 'created\n');
    assert.deepEqual((await runGenerators(generators, { root, check: true })).stale, []);
  });

  test('a failing generator is reported with its output and source', async () => {
    const broken: Generator = {
      output: 'x.yml',
      from: 'defs.yml',
      render: () => {
        throw new Error('bad key');
      },
    };
    await assert.rejects(runGenerators([broken], { root, check: true }), /x\.yml \(from defs\.yml\): bad key/);
  });
});
