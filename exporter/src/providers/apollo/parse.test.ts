// The Apollo parsers against the provider's own documented example bodies (testdata/, from
// docs.apollo.io): headroom is min(left_over, limit − consumed), because Apollo's own example shows
// left_over equal to limit after requests were consumed; null windows and limits are unlimited.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { apiUsageStats, creditUsageStats, endpointName, remainingOf } from './parse.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8'));

describe('Apollo documented examples', () => {
  it('reads the api_usage_stats example, not trusting left_over alone', () => {
    const stats = apiUsageStats.parse(fixture('api-usage-stats.json'));
    const search = stats['["api/v1/contacts", "search"]']!;
    assert.equal(endpointName('["api/v1/contacts", "search"]'), 'api/v1/contacts/search');
    assert.equal(search.day!.left_over, 6000, 'the example reports the whole limit left');
    assert.deepEqual(remainingOf(search.day!), { limit: 6000, remaining: 5500 });
    assert.deepEqual(remainingOf(search.hour!), { limit: 600, remaining: 595 });
    assert.deepEqual(remainingOf(search.minute!), { limit: 200, remaining: 190 });
    assert.deepEqual(remainingOf(stats['["api/v1/contacts", "create"]']!.day!), { limit: 6000, remaining: 6000 });
  });

  it('reads the credit_usage_stats shape', () => {
    const credits = creditUsageStats.parse(fixture('credit-usage-stats.json')).credit_usage_stats;
    assert.deepEqual(remainingOf(credits.lead_credit!), { limit: 6570, remaining: 6320 });
    assert.deepEqual(remainingOf(credits.direct_dial_credit!), { limit: 200, remaining: 160 });
  });

  it('reads null windows and null limits as unlimited, and a smaller left_over as the headroom', () => {
    const stats = apiUsageStats.parse({
      '["api/v1/people", "match"]': {
        minute: { limit: '1000', consumed: '3', left_over: '997' },
        hour: null,
        day: { limit: null, consumed: 12, left_over: null },
      },
      '["api/v1/labels", "index"]': null,
    });
    const match = stats['["api/v1/people", "match"]']!;
    assert.deepEqual(remainingOf(match.minute!), { limit: 1000, remaining: 997 });
    assert.equal(match.hour, null);
    assert.equal(remainingOf(match.day!), undefined, 'no limit: unlimited, no remaining series');
    assert.deepEqual(remainingOf({ limit: 100, consumed: 10, left_over: 40 }), { limit: 100, remaining: 40 });
    assert.deepEqual(remainingOf({ limit: 100, consumed: 130 }), { limit: 100, remaining: 0 });
    assert.equal(remainingOf({ limit: 100 }), undefined);
    const credits = creditUsageStats.parse({
      credit_usage_stats: { ai_credit: { limit: null, consumed: 5, left_over: null }, gone: null },
    });
    assert.equal(remainingOf(credits.credit_usage_stats.ai_credit!), undefined);
  });

  it('fails on a count that is not a number, naming the field', () => {
    const r = apiUsageStats.safeParse({
      '["api/v1/contacts", "search"]': { day: { limit: 'lots', consumed: 1, left_over: 1 } },
    });
    assert.ok(!r.success, '!r.success');
    assert.match(JSON.stringify(r.error.issues[0]!.path), /day.*limit/);
  });
});
