// Exact decimals: parsing every form providers send, exact sums, and the double they print as.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decimal, exactSum, formatDecimal, roundDecimal, toNumber } from './decimal.js';

const PICO = 10n ** 12n;

describe('decimal', () => {
  it('parses numbers and numeric strings, with trailing zeros, signs and exponents', () => {
    assert.equal(decimal('0.1739150000000000000000000000'), 173_915_000_000n);
    assert.equal(decimal(0.015), 15_000_000_000n);
    assert.equal(decimal('-12.50'), -12n * PICO - PICO / 2n);
    assert.equal(decimal(1e-7), 100_000n);
    assert.equal(decimal('1.5e3'), 1500n * PICO);
    assert.equal(decimal(' 42 '), 42n * PICO);
    assert.equal(decimal('.5'), PICO / 2n);
    assert.equal(decimal('0.0000000000005'), 1n, 'rounded half away from zero at 12 places');
    assert.equal(decimal('-0.0000000000005'), -1n);
  });

  it('refuses what is not a number, naming it', () => {
    for (const bad of ['', '1,5', 'abc', '1.2.3', '--1', '0x10', '1e99999'])
      assert.throws(() => decimal(bad), /not a decimal number|too large/, bad);
    assert.throws(() => decimal(Number.NaN), /not a finite number/);
    assert.throws(() => decimal(Number.POSITIVE_INFINITY), /not a finite number/);
    assert.throws(() => decimal('1e30'), /too large/);
  });

  it('sums exactly where floats drift, and prints the decimal', () => {
    const amounts = ['2885.755', ...Array<string>(13).fill('0.1')];
    assert.notEqual(
      amounts.reduce((s, a) => s + Number(a), 0),
      2887.055,
      'floats drift'
    );
    assert.equal(exactSum(amounts.map(Number)), 2887.055);
    assert.equal(String(exactSum(amounts.map(Number))), '2887.055');
    assert.equal(formatDecimal(decimal('2885.8550')), '2885.855');
    assert.equal(formatDecimal(-decimal('0.5')), '-0.5');
    assert.equal(formatDecimal(0n), '0');
    assert.equal(roundDecimal(decimal('2885.8550000000005'), 10), decimal('2885.855'));
    assert.equal(roundDecimal(decimal('-0.00000000005'), 10), decimal('-0.0000000001'));
  });

  it('round-trips any amount with up to 12 decimal places, and its double prints as the same decimal', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
        fc.integer({ min: 0, max: 12 }),
        (units, places) => {
          const value = (units / 10n ** BigInt(12 - places)) * 10n ** BigInt(12 - places);
          assert.equal(decimal(formatDecimal(value)), value);
          // At most 15 significant digits survive a double exactly.
          if (formatDecimal(value).replace(/[-.]/g, '').replace(/^0+/, '').length <= 15)
            assert.equal(decimal(String(toNumber(value))), value);
        }
      )
    );
  });
});
