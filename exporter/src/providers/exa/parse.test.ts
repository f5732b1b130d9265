// The Exa parsers on their own: both documented `costDollars` shapes, and the Team Management bodies.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decimal } from '../../metrics/decimal.js';
import { keyList, keyUsage, parseCostDollars, priceCategory, type ExaCost } from './parse.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8'));

function cost(value: unknown): ExaCost {
  const parsed = parseCostDollars(value);
  assert.notEqual(typeof parsed, 'string', String(parsed));
  return parsed as ExaCost;
}

describe('Exa costDollars', () => {
  it('reads the current shape with its optional parts', () => {
    const c = cost({
      total: 0.012,
      search: { neural: 0.007 },
      summary: 0.002,
      contents: { text: 0.001, highlights: 0.001, summary: 0.001 },
    });
    assert.equal(c.shape, 'current');
    assert.equal(c.totalUsd, decimal('0.012'));
    assert.deepEqual(c.parts, {
      'search.neural': 0.007,
      summary: 0.002,
      'contents.text': 0.001,
      'contents.highlights': 0.001,
      'contents.summary': 0.001,
    });
  });

  it('takes the total alone when deep modes appear only in it, and accepts money as strings', () => {
    assert.deepEqual(cost({ total: 0.003 }), { shape: 'current', totalUsd: decimal('0.003'), parts: {} });
    assert.deepEqual(cost({ total: '0.0150000000', search: { keyword: '0.005' } }), {
      shape: 'current',
      totalUsd: decimal('0.015'),
      parts: { 'search.keyword': 0.005 },
    });
  });

  it('reads the legacy shape, mapping its breakdown names and summing several entries', () => {
    const c = cost({
      total: 0.009,
      breakDown: [
        {
          search: 0.005,
          contents: 0,
          breakdown: { neuralSearch: 0.005, deepSearch: 0, contentText: 0, contentHighlight: 0, contentSummary: 0 },
        },
        { search: 0.003, contents: 0.001, breakdown: { keywordSearch: 0.003, contentText: 0.001, futurePart: 0.0005 } },
      ],
      perRequestPrices: { neuralSearch_1_25_results: 0.005, keywordSearch_1_100_results: 0.0025 },
      perPagePrices: { contentText: 0.001, contentHighlight: 0.001, contentSummary: 0.001 },
    });
    assert.equal(c.shape, 'legacy');
    assert.equal(c.totalUsd, decimal('0.009'));
    assert.deepEqual(c.parts, {
      'search.neural': 0.005,
      'search.deep': 0,
      'contents.text': 0.001,
      'contents.highlights': 0,
      'contents.summary': 0,
      'search.keyword': 0.003,
      futurePart: 0.0005,
    });
  });

  it('names the problem when the object is neither shape', () => {
    assert.equal(parseCostDollars(undefined), 'costDollars is missing');
    assert.match(String(parseCostDollars({ search: { neural: 0.007 } })), /^costDollars: total/);
    assert.match(String(parseCostDollars({ total: 'free' })), /^costDollars: total/);
    assert.match(String(parseCostDollars({ breakDown: [{ search: 0.005 }] })), /^costDollars: total/);
    assert.match(String(parseCostDollars({ total: 0.005, breakDown: 'none' })), /^costDollars: breakDown/);
    assert.match(String(parseCostDollars(0.007)), /^costDollars:/);
  });
});

describe('Exa key usage', () => {
  it('reads an empty or absent breakdown as no lines, and string amounts as exact money', () => {
    assert.deepEqual(keyUsage.parse({ total_cost_usd: 0, cost_breakdown: [] }).cost_breakdown, []);
    assert.deepEqual(keyUsage.parse({ total_cost_usd: 0 }).cost_breakdown, []);
    const usage = keyUsage.parse({
      api_key_id: 'k',
      total_cost_usd: '45.67',
      cost_breakdown: [{ price_id: 'p', price_name: 'Neural Search', quantity: 1000, amount_usd: '30.00' }],
    });
    assert.equal(usage.total_cost_usd, decimal('45.67'));
    assert.equal(usage.cost_breakdown[0]!.amount_usd, decimal('30'));
    assert.equal(keyUsage.safeParse({ cost_breakdown: [] }).success, false, 'the total is required');
  });

  it('labels a billing line by its name, else its id', () => {
    assert.equal(
      priceCategory({ price_id: 'price_answer', price_name: 'Answer', quantity: 1, amount_usd: decimal('0.005') }),
      'Answer'
    );
    assert.equal(
      priceCategory({ price_id: 'price_answer', price_name: undefined, quantity: 1, amount_usd: decimal('0.005') }),
      'price_answer'
    );
    assert.equal(
      priceCategory({ price_id: undefined, price_name: undefined, quantity: undefined, amount_usd: decimal('1') }),
      'unattributed'
    );
  });
});

describe('Exa documented examples', () => {
  it('reads the key usage example: an exact total and its lines', () => {
    const usage = keyUsage.parse(fixture('api-key-usage.json'));
    assert.equal(usage.total_cost_usd, decimal('45.67'));
    assert.deepEqual(
      usage.cost_breakdown.map((l) => [priceCategory(l), l.amount_usd]),
      [
        ['Neural Search', decimal('30')],
        ['Content Retrieval', decimal('15.67')],
      ]
    );
    assert.equal(
      usage.cost_breakdown.reduce((s, l) => s + l.amount_usd, 0n),
      usage.total_cost_usd,
      'the lines add up to the total exactly'
    );
  });

  it('reads the key list for ids and names', () => {
    assert.deepEqual(
      keyList.parse(fixture('api-keys.json')).apiKeys.map((k) => [k.id, k.name]),
      [['3c90c3cc-0d44-4b50-8888-8dd25736052a', '<string>']]
    );
  });
});
