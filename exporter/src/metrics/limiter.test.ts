import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LabelLimiter } from './limiter.js';

describe('LabelLimiter', () => {
  it('admits the first N values per metric and label, then folds the rest into other, for good', () => {
    const admitted: Record<string, string[]> = {};
    const l = new LabelLimiter(admitted, { maxValuesPerLabel: 2, allow: {} });
    assert.equal(l.fold('m', { model: 'a' }).model, 'a');
    assert.equal(l.fold('m', { model: 'b' }).model, 'b');
    assert.equal(l.fold('m', { model: 'c' }).model, 'other');
    assert.equal(l.fold('m', { model: 'a' }).model, 'a', 'admitted values stay');
    assert.equal(l.fold('n', { model: 'c' }).model, 'c', 'caps are per metric');
    // Admission survives a restart through the persisted state.
    const again = new LabelLimiter(structuredClone(admitted), { maxValuesPerLabel: 2, allow: {} });
    assert.equal(again.fold('m', { model: 'c' }).model, 'other');
    assert.equal(again.fold('m', { model: 'b' }).model, 'b');
  });

  it('uses an allow-list instead of the cap when one is configured', () => {
    const l = new LabelLimiter({}, { maxValuesPerLabel: 1, allow: { model: [/^gpt-4o/] } });
    assert.equal(l.fold('m', { model: 'gpt-4o-mini' }).model, 'gpt-4o-mini');
    assert.equal(l.fold('m', { model: 'gpt-4o' }).model, 'gpt-4o');
    assert.equal(l.fold('m', { model: 'o3' }).model, 'other');
  });

  it('leaves unlimited labels and the input object alone', () => {
    const l = new LabelLimiter({}, { maxValuesPerLabel: 1, allow: {} });
    const input = { category: 'x', type: 'input' };
    l.fold('m', input);
    const out = l.fold('m', { category: 'y', type: 'output' });
    assert.deepEqual(out, { category: 'other', type: 'output' });
    assert.deepEqual(input, { category: 'x', type: 'input' });
  });
});

describe('LabelLimiter on provider error codes', () => {
  it('caps Twilio error codes like the other open-ended labels', () => {
    const l = new LabelLimiter({}, { maxValuesPerLabel: 2, allow: {} });
    const codes = ['11200', '30003', '30005'].map(
      (code) => l.fold('nexus_provider_reported_errors_total', { code, level: 'error' }).code
    );
    assert.deepEqual(codes, ['11200', '30003', 'other']);
  });
});
