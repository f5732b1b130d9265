// The OpenAI parsers against the provider's own documented example bodies (testdata/, from
// openai/openai-openapi): disjoint token types that add up to the totals, exact cost amounts, names.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decimal } from '../../metrics/decimal.js';
import { costUsd, costsPage, projectsPage, tokenParts, usagePage, type UsageResult } from './parse.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8'));

describe('OpenAI documented examples', () => {
  it('splits the completions example into disjoint parts that add up to input_tokens + output_tokens', () => {
    const page = usagePage.parse(fixture('usage-completions.json'));
    assert.equal(page.has_more, true);
    assert.equal(page.next_page, 'page_AAAAAGdGxdEiJdKOAAAAAGcqsYA=');
    const r = page.data[0]!.results[0] as UsageResult;
    const parts = tokenParts(r);
    assert.ok(Array.isArray(parts), String(parts));
    // input 1000 = cached 400 + audio 50 + the rest (text 400, image 50, cache writes 100); output 500 = audio 50 + the rest.
    assert.deepEqual(Object.fromEntries(parts), {
      input: 550,
      cached_input: 400,
      audio_input: 50,
      output: 450,
      audio_output: 50,
    });
    assert.equal(
      parts.reduce((s, [, n]) => s + n, 0),
      r.input_tokens! + r.output_tokens!
    );
    assert.equal((r as Record<string, unknown>).output_reasoning_tokens, undefined, 'no reasoning field in the spec');
  });

  it('splits the grouped completions result the same way, against its own detailed fields', () => {
    const r = usagePage.parse({
      object: 'page',
      data: [
        { object: 'bucket', start_time: 0, end_time: 86_400, results: [fixture('usage-completions-result.json')] },
      ],
      has_more: false,
    }).data[0]!.results[0] as UsageResult & Record<string, number>;
    const detail = fixture('usage-completions-result.json') as Record<string, number>;
    const parts = Object.fromEntries(tokenParts(r) as Array<[string, number]>);
    assert.equal(r.model, 'gpt-4o-mini-2024-07-18');
    assert.equal(
      parts.input,
      detail.input_text_tokens! + detail.input_image_tokens! + detail.input_cache_write_tokens!,
      'uncached text and image input and cache writes'
    );
    assert.equal(parts.output, detail.output_text_tokens! + detail.output_image_tokens!);
    assert.equal(
      Object.values(parts).reduce((s, n) => s + n, 0),
      6000
    );
  });

  it('reads embeddings, which have input tokens only', () => {
    const r = usagePage.parse(fixture('usage-embeddings.json')).data[0]!.results[0] as UsageResult;
    assert.deepEqual(tokenParts(r), [['input', 16]]);
  });

  it('reads the costs example as an exact amount in USD', () => {
    const r = costsPage.parse(fixture('costs.json')).data[0]!.results[0]!;
    assert.equal(costUsd(r as never), decimal('0.06'));
    assert.equal(r.line_item, undefined, 'an ungrouped line has no line item');
  });

  it('reads the projects example', () => {
    const page = projectsPage.parse(fixture('projects.json'));
    assert.deepEqual(
      page.data.map((p) => [p.id, p.name]),
      [['proj_abc', 'Project example']]
    );
    assert.equal(page.has_more, false);
  });

  it('refuses a cost in another currency: it would be counted as dollars', () => {
    const [r] = costsPage.parse({
      object: 'page',
      data: [
        {
          object: 'bucket',
          start_time: 0,
          end_time: 86_400,
          results: [{ object: 'organization.costs.result', amount: { value: '1.5', currency: 'eur' } }],
        },
      ],
      has_more: false,
    }).data[0]!.results;
    assert.throws(() => costUsd(r as never), /cost in unsupported currency eur/);
    const [upper] = costsPage.parse({
      object: 'page',
      data: [
        {
          object: 'bucket',
          start_time: 0,
          end_time: 86_400,
          results: [{ object: 'organization.costs.result', amount: { value: 2, currency: 'USD' } }],
        },
      ],
      has_more: false,
    }).data[0]!.results;
    assert.equal(costUsd(upper as never), decimal('2'));
  });

  it('refuses counts whose parts exceed the whole, naming the fields', () => {
    const r = {
      object: 'organization.usage.completions.result',
      input_tokens: 10,
      input_cached_tokens: 8,
      input_audio_tokens: 5,
      output_tokens: 1,
    } as UsageResult;
    assert.match(
      String(tokenParts(r)),
      /input_cached_tokens \(8\) and input_audio_tokens \(5\) exceed input_tokens \(10\)/
    );
  });
});
