// The OpenRouter parsers against the provider's own documented example bodies (testdata/, from the
// OpenAPI document of OpenRouterTeam/typescript-sdk): both date forms of /activity, tokens that add up,
// the account's spend from /keys, exact money.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decimal, toNumber } from '../../metrics/decimal.js';
import { activityRecords, keyGauges } from './collector.js';
import { activityResponse, creditsResponse, keyResponse, keysResponse, sumByDayAndModel } from './parse.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8'));
const DAY = Date.UTC(2025, 7, 24) / 1000;

describe('OpenRouter documented examples', () => {
  for (const [name, form] of [
    ['activity.json', 'the spec form 2025-08-24'],
    ['activity-live-date.json', 'the live form 2025-08-24 00:00:00'],
  ]) {
    it(`reads /activity with ${form} as the UTC day, tokens disjoint`, () => {
      const [day] = sumByDayAndModel(activityResponse.parse(fixture(name!)).data);
      assert.equal(day!.dayStart, DAY);
      const records = activityRecords(day!);
      assert.ok(Array.isArray(records), 'Array.isArray(records)');
      const tokens = Object.fromEntries(
        records.filter((r) => r.metric === 'nexus_tokens_total').map((r) => [r.labels.type, r.value])
      );
      // completion 125 includes reasoning 25.
      assert.deepEqual(tokens, { input: 50, output: 100, reasoning: 25 });
      assert.equal(records.find((r) => r.metric === 'nexus_cost_usd_total')!.value, decimal('0.015'));
      assert.equal(records.find((r) => r.metric === 'nexus_usage_requests_total')!.value, 5);
    });
  }

  it('refuses a date that is no day, naming it', () => {
    for (const date of ['2025-02-30', '24/08/2025', '2025-08-24 25:00:00']) {
      const r = activityResponse.safeParse({ data: [{ date, model: 'm' }] });
      assert.ok(!r.success, date);
      assert.match(r.error.issues[0]!.message, /must be a date such as 2026-08-23 or 2026-08-23 00:00:00/);
    }
  });

  it("reads /keys as the account spend, each key's spend and its name", () => {
    const keys = keysResponse.parse(fixture('keys.json')).data;
    const gauges = keyGauges(keys);
    const value = (metric: string, labels: Record<string, string>) =>
      gauges
        .filter((g) => g.metric === metric && Object.entries(labels).every(([k, v]) => g.labels[k] === v))
        .map((g) => toNumber(g.value as bigint));
    const hash = 'f01d52606dc8f0a8303a7b5cc3fa07109c2e346cec7c0a16b40de462992ce943';
    assert.deepEqual(value('nexus_spend_usd', { period: 'month' }), [25.5]);
    assert.deepEqual(value('nexus_project_spend_usd', { period: 'day', project: hash }), [25.5]);
    assert.deepEqual(
      gauges.filter((g) => g.metric === 'nexus_project_info').map((g) => g.labels),
      [{ project: hash, name: 'My Production Key' }]
    );
  });

  it('reads /key and /credits exactly', () => {
    const key = keyResponse.parse(fixture('key.json')).data;
    assert.equal(key.usage_monthly, decimal('25.5'));
    assert.equal(key.limit_remaining, decimal('74.5'));
    const { total_credits, total_usage } = creditsResponse.parse(fixture('credits.json')).data;
    assert.equal(toNumber(total_credits - total_usage), 74.75);
  });
});
