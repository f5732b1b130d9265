// The metric and configuration references in docs/ must match the code: a metric added, renamed or
// relabelled in the catalogue, or a config key added to a schema, fails here until the docs say so
// (docs/metrics.md, docs/configuration.md, docs/providers/<name>.md).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { CATALOG, labelNames } from '../exporter/src/metrics/catalog.js';
import { configSchema } from '../exporter/src/config/schema.js';
import { PROVIDERS } from '../exporter/src/providers/index.js';

const doc = (path: string) => readFileSync(new URL(`../docs/${path}`, import.meta.url), 'utf8');
const metricsPage = doc('metrics.md');
const configPage = doc('configuration.md');

function metricTable(): Map<string, { type: string; labels: string[] }> {
  const m = /<!-- metrics:start -->([\s\S]*?)<!-- metrics:end -->/.exec(metricsPage);
  assert.ok(m, 'docs/metrics.md has a metrics:start/end block');
  const rows = new Map<string, { type: string; labels: string[] }>();
  for (const line of m[1]!.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const name = /^`(nexus_[a-z_]+)`$/.exec(cells[1] ?? '')?.[1];
    if (!name) continue;
    assert.ok(!rows.has(name), `${name} listed twice`);
    rows.set(name, { type: cells[2]!, labels: [...(cells[3] ?? '').matchAll(/`([a-z_]+)`/g)].map((x) => x[1]!) });
  }
  return rows;
}

describe('docs/metrics.md metric reference', () => {
  const table = metricTable();
  it('lists every metric of the catalogue with its type and labels', () => {
    for (const def of CATALOG) {
      const row = table.get(def.name as string);
      assert.ok(row, `${def.name} is missing from docs/metrics.md`);
      assert.equal(row.type, def.type, `${def.name} type`);
      assert.deepEqual(row.labels, labelNames(def), `${def.name} labels`);
    }
  });
  it('lists no metric the code does not have', () => {
    const names = new Set<string>(CATALOG.map((d) => d.name));
    for (const name of table.keys())
      assert.ok(names.has(name), `docs/metrics.md lists ${name}, which the code does not export`);
  });
});

/** Keys of a zod object schema (unwrapping effects/defaults). */
function keysOf(schema: z.ZodType): string[] {
  let s: unknown = schema;
  for (let i = 0; i < 10; i++) {
    if (s instanceof z.ZodObject) return Object.keys(s.shape as object);
    const inner = (s as { def?: { innerType?: unknown; in?: unknown; schema?: unknown } }).def;
    s = inner?.innerType ?? inner?.in ?? inner?.schema;
    if (!s) break;
  }
  throw new Error('not an object schema');
}

describe('docs/ configuration reference', () => {
  it('documents every top-level key and every nested settings key', () => {
    for (const key of keysOf(configSchema))
      assert.match(configPage, new RegExp(`\`${key}[.\`\\[]`), `top-level key ${key}`);
    for (const section of ['http', 'polling', 'limits', 'otlp'] as const) {
      const shape = (configSchema as unknown as z.ZodObject).shape as Record<string, z.ZodType>;
      for (const key of keysOf(shape[section]!))
        assert.match(configPage, new RegExp(`\`${section}\\.${key}`), `${section}.${key}`);
    }
  });

  for (const [name, module] of Object.entries(PROVIDERS)) {
    it(`documents every ${name} account key`, () => {
      const section = doc(`providers/${name}.md`);
      const common = ['account', 'baseUrl', 'pollIntervalSeconds', 'enabled'];
      for (const key of keysOf(module.accountSchema)) {
        if (common.includes(key) && key !== 'pollIntervalSeconds') continue;
        assert.match(
          section,
          new RegExp(`\`${key}\``),
          `${name}.${key} is not documented in docs/providers/${name}.md`
        );
      }
    });
  }
});
