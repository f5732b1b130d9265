// The shared value parsers: tolerant where providers vary (dates with or without a time part, numbers
// as strings), strict where a wrong value would make money wrong.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decimal } from '../metrics/decimal.js';
import { instant, instantOf, money, numeric, utcDay, utcDayOf } from './values.js';

const DAY = Date.UTC(2026, 7, 23) / 1000;

describe('utcDayOf', () => {
  it('takes the UTC day of a date with or without a time part', () => {
    for (const text of [
      '2026-08-23',
      '2026-08-23 00:00:00',
      '2026-08-23T00:00:00Z',
      '2026-08-23T23:59:59Z',
      '2026-08-23 13:05',
      '2026-08-23T14:05:11+00:00',
      '2026-08-23T14:05:11.123Z',
      ' 2026-08-23 ',
    ]) {
      assert.equal(utcDayOf(text), DAY, text);
    }
  });

  it('converts a time with an offset to UTC before taking the day', () => {
    assert.equal(utcDayOf('2026-08-24T01:30:00+02:00'), DAY);
    assert.equal(utcDayOf('2026-08-22T22:30:00-0200'), Date.UTC(2026, 7, 23) / 1000);
  });

  it('refuses impossible and foreign forms', () => {
    // The drifts the simulators' `dates` fault serves are among them: another notation, RFC 2822, US dates.
    for (const text of [
      '2026-02-30',
      '2026-13-01',
      '23/08/2026',
      '2026-08-23 24:00:00',
      '2026-08-23T12:60:00Z',
      '20260823',
      '',
      'yesterday',
      'Sun, 23 Aug 2026 00:00:00 GMT',
      'Sun, 23 Aug 2026 00:00:00 +0000',
      '08/23/2026',
      '1787443200000',
    ]) {
      assert.equal(utcDayOf(text), undefined, text);
    }
    const r = utcDay.safeParse('2026-02-30 00:00:00');
    assert.ok(!r.success, '!r.success');
    assert.match(
      r.error.issues[0]!.message,
      /must be a date such as 2026-08-23 or 2026-08-23 00:00:00, got "2026-02-30 00:00:00"/
    );
  });
});

describe('instantOf', () => {
  it('reads an ISO 8601 date-time with seconds and a zone, to the second', () => {
    const at = Date.UTC(2026, 7, 23, 14, 5, 11) / 1000;
    for (const text of [
      '2026-08-23T14:05:11+00:00',
      '2026-08-23T14:05:11Z',
      '2026-08-23T14:05:11.250Z',
      '2026-08-23T16:05:11+02:00',
    ])
      assert.equal(instantOf(text), at, text);
  });

  it('refuses dates alone, no zone, other notations and impossible times', () => {
    for (const text of [
      '2026-08-23',
      '2026-08-23 14:05:11',
      '2026-08-23T14:05:11',
      '2026-08-23T14:05Z',
      'Sun, 23 Aug 2026 14:05:11 +0000',
      '1787494711',
      '2026-02-30T00:00:00Z',
      '2026-08-23T25:00:00Z',
      ' 2026-08-23T14:05:11Z',
    ]) {
      assert.equal(instantOf(text), undefined, text);
    }
    const r = instant.safeParse('Sun, 23 Aug 2026 14:05:11 +0000');
    assert.ok(!r.success, '!r.success');
    assert.match(
      r.error.issues[0]!.message,
      /must be a date-time such as 2026-08-23T14:05:11\+00:00, got "Sun, 23 Aug 2026 14:05:11 \+0000"/
    );
  });
});

describe('numbers and money', () => {
  it('reads numbers sent as strings or numbers', () => {
    assert.equal(numeric.parse('12.50'), 12.5);
    assert.equal(numeric.parse(3), 3);
    assert.equal(money.parse('0.1739150000000000000000000000'), decimal('0.173915'));
    assert.equal(money.parse(0.015), decimal('0.015'));
  });

  it('refuses what is not a number, naming the problem', () => {
    for (const bad of ['1,50', 'NaN', '', null, true, Number.POSITIVE_INFINITY]) {
      assert.ok(!money.safeParse(bad).success, String(bad));
      assert.ok(!numeric.safeParse(bad).success, String(bad));
    }
    assert.match(money.safeParse('1e99999').error!.issues[0]!.message, /too large|not a decimal/);
  });
});
