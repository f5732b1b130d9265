// Every relative link, image and anchor of the documentation resolves: a page moved or a heading renamed
// fails here with the file and the link, until every link to it follows.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { anchors, brokenReferences, references } from './lib/markdown.js';
import { ROOT } from './lib/repo.js';

/** The documentation: the root README and CONTRIBUTING, docs/, and the components' READMEs. */
function documentationFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md'))
    .map((f) => join('docs', f));
  const named = ['README.md', 'CONTRIBUTING.md', 'plugin/README.md', 'plugin/CONTRIBUTING.md', 'exporter/README.md'];
  return [...named.filter((f) => existsSync(join(ROOT, f))), ...docs.sort()];
}

describe('documentation links', () => {
  const files = documentationFiles();

  it('covers the README, CONTRIBUTING, docs/ and the plugin README', () => {
    for (const f of ['README.md', 'CONTRIBUTING.md', 'plugin/README.md', 'docs/README.md', 'docs/runbooks.md'])
      assert.ok(files.includes(f), `${f} is checked`);
  });

  it('every relative link, image and anchor resolves', () => {
    const problems = files.flatMap((f) => brokenReferences(join(ROOT, f), ROOT));
    assert.deepEqual(problems, []);
  });

  it('docs/README.md links every page of docs/', () => {
    const index = new Set(references(readFileSync(join(ROOT, 'docs', 'README.md'), 'utf8')).map((r) => r.target));
    for (const f of files.filter((f) => f.startsWith('docs/') && f !== 'docs/README.md'))
      assert.ok(index.has(f.slice('docs/'.length)), `docs/README.md does not link ${f}`);
  });
});

describe('the link check', () => {
  it('finds a missing file, a missing anchor, a missing image, and accepts what resolves', () => {
    const root = mkdtempSync(join(tmpdir(), 'nexus-links-'));
    try {
      mkdirSync(join(root, 'docs'));
      writeFileSync(
        join(root, 'docs', 'b.md'),
        '# Page B\n\n## Totals that `do not` double count\n\n## Repeat\n\n## Repeat\n'
      );
      writeFileSync(
        join(root, 'a.md'),
        [
          '# A',
          '[ok](docs/b.md#totals-that-do-not-double-count) [ok](docs/b.md#repeat-1) [ok](#a) [ok](https://x.y/z)',
          '[gone](docs/c.md) [no anchor](docs/b.md#repeat-2) [self](#nowhere) ![img](img/x.png)',
          '`[not a link](nowhere.md)`',
          '```',
          '[not a link either](nowhere.md)',
          '```',
        ].join('\n')
      );
      assert.deepEqual(brokenReferences(join(root, 'a.md'), root), [
        'a.md: link docs/c.md: docs/c.md does not exist',
        'a.md: link docs/b.md#repeat-2: docs/b.md has no heading #repeat-2',
        'a.md: link #nowhere: a.md has no heading #nowhere',
        'a.md: image img/x.png: img/x.png does not exist',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('takes anchors as GitHub makes them', () => {
    const page =
      "# Real traffic (OTLP receiver)\n## How `/metrics` gets there\n## Alerts that fit the data's granularity\n";
    assert.deepEqual(
      [...anchors(page)],
      ['real-traffic-otlp-receiver', 'how-metrics-gets-there', 'alerts-that-fit-the-datas-granularity']
    );
  });
});
