// Timers past setTimeout's 32-bit limit: Node fires those after 1 ms. setLongTimeout re-arms in steps
// and fires once, at the requested time, never early.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_TIMER_MS, setLongTimeout } from './timers.js';

const DAY_MS = 86_400_000;

describe('setLongTimeout', () => {
  it('waits a month (longer than one setTimeout can) and fires once, on time', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let fired = 0;
    setLongTimeout(() => fired++, 30 * DAY_MS);
    t.mock.timers.tick(1);
    assert.equal(fired, 0, 'not after 1 ms, which is what a plain setTimeout does');
    t.mock.timers.tick(MAX_TIMER_MS - 1);
    assert.equal(fired, 0, 'not after the first 24.8 days');
    t.mock.timers.tick(30 * DAY_MS - MAX_TIMER_MS - 1);
    assert.equal(fired, 0, 'not 1 ms early');
    t.mock.timers.tick(1);
    assert.equal(fired, 1);
    t.mock.timers.tick(60 * DAY_MS);
    assert.equal(fired, 1, 'once');
  });

  it('can be cleared before and after it re-arms', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let fired = 0;
    const a = setLongTimeout(() => fired++, 30 * DAY_MS);
    const b = setLongTimeout(() => fired++, 30 * DAY_MS);
    a.clear();
    t.mock.timers.tick(MAX_TIMER_MS + 1);
    b.clear();
    t.mock.timers.tick(60 * DAY_MS);
    assert.equal(fired, 0);
  });

  it('treats a negative or NaN delay as now and an infinite one as never', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const fired: string[] = [];
    setLongTimeout(() => fired.push('negative'), -5);
    setLongTimeout(() => fired.push('nan'), Number.NaN);
    setLongTimeout(() => fired.push('infinite'), Infinity);
    t.mock.timers.tick(0);
    assert.deepEqual(fired.sort(), ['nan', 'negative']);
    t.mock.timers.tick(10 * MAX_TIMER_MS);
    assert.deepEqual(fired.sort(), ['nan', 'negative']);
  });

  it('with the real timers, does not fire a month-long delay at once', async () => {
    let fired = false;
    const timer = setLongTimeout(() => (fired = true), 30 * DAY_MS);
    await new Promise((r) => setTimeout(r, 50));
    timer.clear();
    assert.equal(fired, false);
  });
});
