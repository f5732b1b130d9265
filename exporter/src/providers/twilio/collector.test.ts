// Twilio collector against the Twilio simulator over real HTTP: exact spend, cost per category (no
// roll-up counted twice), counts, balance and alerts; pagination on both hosts, string and numeric
// values, late revisions, restarts, alert de-duplication by SID, and every error class.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createLogger } from '../../log.js';
import { TwilioSimulator } from '../../simulators/twilio.js';
import {
  assertFailedSourceKeepsLastGoodData,
  closeTo,
  harness,
  tempDir,
  type Harness,
  type SeriesFilter,
} from '../../testing/harness.js';
import type { Fault } from '../../simulators/base.js';
import { DAY_SECONDS, utcDayStart, utcMonthStart } from '../values.js';
import { twilio } from './index.js';
import { DEFAULT_COST_CATEGORIES } from './collector.js';

const SID = 'AC3f0e2b1c4d5a6978877665544332211a';
const TOKEN = 'twilio-token-5e1c9a7b3d2f4e6a8c0b';
const KEY_SID = 'SK8d2c4e6f8a0b1c3d5e7f9a1b2c3d4e5f';
const KEY_SECRET = 'twilio-key-secret-9f8e7d6c5b4a3210';
// Mid-month, mid-day: the month so far has 14 closed days and a partial one.
const NOW = new Date('2026-11-15T12:00:00Z');

let sim: TwilioSimulator;
let url: string;
let clock: Date;

function account(extra: Record<string, unknown> = {}) {
  return {
    account: 'prod',
    accountSid: SID,
    authToken: TOKEN,
    baseUrl: `${url}/2010-04-01`,
    monitorBaseUrl: `${url}/v1`,
    ...extra,
  };
}

function days(now: Date): number[] {
  const out: number[] = [];
  for (let d = utcMonthStart(now); d <= utcDayStart(now); d += DAY_SECONDS) out.push(d);
  return out;
}

/** The month's cost of a category, summed from the simulator's daily records. */
function monthCost(now: Date, category: string, sub = false): number {
  return days(now).reduce((s, d) => s + sim.day(d, category, sub).price, 0);
}

function monthCount(now: Date, category: string): number {
  return days(now).reduce((s, d) => s + (sim.day(d, category, false).count ?? 0), 0);
}

/** totalprice minus the listed categories, per day, as the collector's `other`. */
function monthOther(now: Date, categories: readonly string[] = DEFAULT_COST_CATEGORIES): number {
  let sum = 0;
  for (const d of days(now)) {
    const rest = sim.day(d, 'totalprice', false).price - categories.reduce((s, c) => s + sim.day(d, c, false).price, 0);
    if (rest > 1e-9) sum += rest;
  }
  return sum;
}

/** Alerts the simulator lists since `fromSec` at the current clock, by `code|level`. */
function alertCounts(fromSec: number, levels = ['error', 'warning']): Map<string, number> {
  const out = new Map<string, number>();
  for (const a of sim.alerts(fromSec, clock.getTime() / 1000)) {
    if (!levels.includes(a.level)) continue;
    const key = `${a.code}|${a.level}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

function assertAlerts(h: Harness, expected: Map<string, number>): void {
  const got = new Map(
    h.series('nexus_provider_reported_errors_total').map((s) => [`${s.labels.code}|${s.labels.level}`, s.value])
  );
  assert.deepEqual(got, expected);
}

describe('Twilio account config', () => {
  const parse = (a: Record<string, unknown>) =>
    twilio.accountSchema.safeParse({ account: 'prod', accountSid: SID, ...a });
  const messages = (r: ReturnType<typeof parse>) =>
    r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);

  it('accepts an Auth Token, or an API Key SID with its secret, with defaults', () => {
    const token = parse({ authToken: TOKEN });
    assert.ok(token.success, 'token.success');
    assert.equal(token.data.baseUrl, 'https://api.twilio.com/2010-04-01');
    assert.equal(token.data.monitorBaseUrl, 'https://monitor.twilio.com/v1');
    assert.deepEqual(token.data.costCategories, [...DEFAULT_COST_CATEGORIES]);
    assert.equal(token.data.includeSubaccounts, false);
    assert.ok(
      parse({ apiKeySid: KEY_SID, apiKeySecret: KEY_SECRET }).success,
      'parse({ apiKeySid: KEY_SID, apiKeySecret: KEY_SECRET }).success'
    );
  });

  it('requires exactly one credential form, naming the keys and never the values', () => {
    const both = messages(parse({ authToken: TOKEN, apiKeySid: KEY_SID, apiKeySecret: KEY_SECRET }));
    assert.deepEqual(both, ['authToken: give either authToken, or apiKeySid with apiKeySecret, not both']);
    assert.deepEqual(messages(parse({})), [
      'authToken: credentials are required: authToken, or apiKeySid with apiKeySecret',
    ]);
    assert.deepEqual(messages(parse({ apiKeySid: KEY_SID })), [
      'apiKeySecret: apiKeySecret is required with apiKeySid',
    ]);
    assert.deepEqual(messages(parse({ apiKeySecret: KEY_SECRET })), [
      'apiKeySid: apiKeySid is required with apiKeySecret',
    ]);
    const bad = messages(parse({ accountSid: 'SK8d2c4e6f8a0b1c3d5e7f9a1b2c3d4e5f', authToken: ` ${TOKEN}` }));
    assert.ok(
      bad.some((m) => m.startsWith('accountSid: must be an Account SID')),
      "bad.some((m) => m.startsWith('accountSid: must be an Account SID'))"
    );
    assert.ok(
      bad.some((m) => m === 'authToken: authToken has leading or trailing whitespace'),
      "bad.some((m) => m === 'authToken: authToken has leading or trailing whitespace')"
    );
    assert.ok(
      bad.every((m) => !m.includes(TOKEN) && !m.includes(KEY_SECRET)),
      'bad.every((m) => !m.includes(TOKEN) && !m.includes(KEY_SECRET))'
    );
  });

  it('rejects cost categories that overlap or are not categories', () => {
    assert.deepEqual(messages(parse({ authToken: TOKEN, costCategories: ['sms', 'sms-outbound'] })), [
      'costCategories.1: sms-outbound is part of sms; listing both would count its cost twice',
    ]);
    assert.equal(messages(parse({ authToken: TOKEN, costCategories: ['totalprice'] })).length, 1);
    assert.equal(messages(parse({ authToken: TOKEN, costCategories: ['calls', 'calls'] })).length, 1);
    assert.equal(messages(parse({ authToken: TOKEN, costCategories: ['SMS'] })).length, 1);
    assert.ok(parse({ authToken: TOKEN, costCategories: [] }).success, 'everything in other is allowed');
  });
});

describe('Twilio collector', () => {
  before(async () => {
    sim = new TwilioSimulator({
      accountSid: SID,
      authToken: TOKEN,
      apiKeys: { [KEY_SID]: KEY_SECRET },
      startingBalance: 1200,
    });
    url = await sim.start();
  });
  after(() => sim.stop());
  beforeEach(() => {
    clock = new Date(NOW);
    sim.now = () => clock;
    sim.clearFaults();
    sim.resetData();
    sim.requests.length = 0;
  });

  it('reports exact spend, cost per category with the rest as other, counts, balance and alerts', async () => {
    const h = await harness('twilio', account(), { now: () => clock });
    assert.equal(await h.poller.pollNow(), true);
    const today = utcDayStart(clock);
    const month = utcMonthStart(clock);

    // Spend comes from totalprice only.
    assert.ok(
      closeTo(h.value('nexus_spend_usd', { period: 'day' }), sim.day(today, 'totalprice', false).price),
      "closeTo(h.value('nexus_spend_usd', { period: 'day' }), sim.day(today, 'totalprice', false).price)"
    );
    assert.ok(
      closeTo(h.value('nexus_spend_usd', { period: 'month' }), sim.period(month, today, 'totalprice', false).price),
      "closeTo(h.value('nexus_spend_usd', { period: 'month' }), sim.period(month, today, 'totalprice', false).price)"
    );
    assert.ok(h.value('nexus_spend_usd', { period: 'month' }) > 100, 'the simulator serves a meaningful month');

    for (const c of DEFAULT_COST_CATEGORIES) {
      assert.ok(closeTo(h.value('nexus_cost_usd_total', { category: c, project: 'none' }), monthCost(clock, c)), c);
      assert.equal(h.value('nexus_usage_requests_total', { category: c }), monthCount(clock, c), c);
    }
    const other = monthOther(clock);
    assert.ok(other > 1, 'lookups are outside the default categories');
    assert.ok(
      closeTo(h.value('nexus_cost_usd_total', { category: 'other' }), other),
      "closeTo(h.value('nexus_cost_usd_total', { category: 'other' }), other)"
    );
    // Every dollar once: the categories add up to totalprice, not to the sum of roll-ups and children.
    assert.ok(
      closeTo(h.value('nexus_cost_usd_total'), monthCost(clock, 'totalprice')),
      "closeTo(h.value('nexus_cost_usd_total'), monthCost(clock, 'totalprice'))"
    );
    assert.equal(h.series('nexus_cost_usd_total', { category: 'sms-outbound' }).length, 0);
    assert.equal(h.series('nexus_cost_usd_total', { category: 'totalprice' }).length, 0);

    assert.ok(
      closeTo(h.value('nexus_balance_usd', { kind: 'prepaid' }), sim.balance()),
      "closeTo(h.value('nexus_balance_usd', { kind: 'prepaid' }), sim.balance())"
    );
    assertAlerts(h, alertCounts(month));
    assert.ok(
      h.value('nexus_provider_reported_errors_total') > 50,
      "h.value('nexus_provider_reported_errors_total') > 50"
    );
    assert.equal(h.value('nexus_provider_up'), 1);

    // What was asked: the account's own usage, from the start of the month (seeding).
    const daily = sim.calls('/Usage/Records/Daily.json');
    assert.equal(daily.length, DEFAULT_COST_CATEGORIES.length + 1);
    assert.ok(
      daily.every(
        (r) =>
          r.query.IncludeSubaccounts === 'false' &&
          r.query.StartDate === '2026-11-01' &&
          r.query.EndDate === '2026-11-15'
      ),
      "daily.every((r) => r.query.IncludeSubaccounts === 'false' && r.query.StartDate === '2026-11-01' && r.query.EndDate === '2026-11-15')"
    );
    assert.deepEqual(
      sim.calls('/Alerts').map((r) => r.query.StartDate),
      ['2026-11-01T00:00:00Z']
    );
  });

  it('authenticates with an API key, keeping the Account SID in the path', async () => {
    const h = await harness('twilio', account({ authToken: undefined, apiKeySid: KEY_SID, apiKeySecret: KEY_SECRET }), {
      now: () => clock,
    });
    assert.equal(await h.poller.pollNow(), true);
    assert.ok(
      sim.calls('/Usage/').every((r) => r.path.includes(`/Accounts/${SID}/`)),
      "sim.calls('/Usage/').every((r) => r.path.includes(`/Accounts/${SID}/`))"
    );
    assert.ok(
      closeTo(h.value('nexus_cost_usd_total'), monthCost(clock, 'totalprice')),
      "closeTo(h.value('nexus_cost_usd_total'), monthCost(clock, 'totalprice'))"
    );
  });

  it('counts an auth failure without leaking the token', async () => {
    const h = await harness('twilio', account({ authToken: 'wrong-token-0123456789abcdef' }), { now: () => clock });
    assert.equal(await h.poller.pollNow(), false);
    assert.equal(h.value('nexus_provider_errors_total', { reason: 'auth', endpoint: '/Usage/Records/Today.json' }), 1);
    const err = h.poller.status().lastError!;
    assert.match(err.message, /HTTP 401: Twilio error 20003: Authenticate/);
    assert.ok(
      !err.message.includes('wrong-token-0123456789abcdef'),
      "!err.message.includes('wrong-token-0123456789abcdef')"
    );
    assert.equal(h.value('nexus_provider_up'), 0);
  });

  it('probes with a Usage Records read that a Standard API key may make, not the Account resource', async () => {
    const h = await harness('twilio', account(), { now: () => clock });
    await h.poller.probe();
    assert.deepEqual(
      sim.requests.map((r) => [r.path, r.query.Category, r.query.PageSize]),
      [[`/2010-04-01/Accounts/${SID}/Usage/Records/Today.json`, 'totalprice', '1']]
    );
    await assert.rejects(h.poller.probe({ ...h.poller.config, authToken: 'wrong-token-0123456789abcdef' }), {
      name: 'ProviderError',
      reason: 'auth',
    });
    const standard = await harness(
      'twilio',
      account({ authToken: undefined, apiKeySid: KEY_SID, apiKeySecret: KEY_SECRET }),
      { now: () => clock }
    );
    await standard.poller.probe();
  });

  it('refuses a Standard API key on the Account resource, as Twilio does (20003), and lets a Main key and the Auth Token through', async () => {
    const MAIN_SID = 'SK00000000000000000000000000000a11';
    const keys = new TwilioSimulator({
      accountSid: SID,
      authToken: TOKEN,
      apiKeys: { [KEY_SID]: KEY_SECRET, [MAIN_SID]: { secret: 'main-secret-0000', type: 'main' } },
    });
    keys.now = () => clock;
    const base = await keys.start();
    try {
      const get = (user: string, password: string, path: string) =>
        fetch(`${base}/2010-04-01/${path}`, {
          headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
        });
      for (const path of [`Accounts/${SID}.json`, 'Accounts.json']) {
        const refused = await get(KEY_SID, KEY_SECRET, path);
        assert.equal(refused.status, 401, path);
        assert.deepEqual(await refused.json(), {
          code: 20003,
          message: 'Authenticate',
          more_info: 'https://www.twilio.com/docs/errors/20003',
          status: 401,
        });
        assert.equal((await get(MAIN_SID, 'main-secret-0000', path)).status, 200, path);
        assert.equal((await get(SID, TOKEN, path)).status, 200, path);
      }
      assert.equal(
        (await get(KEY_SID, KEY_SECRET, `Accounts/${SID}/Usage/Records/Today.json`)).status,
        200,
        'usage records are readable'
      );
      assert.equal(
        (await get(KEY_SID, KEY_SECRET, `Accounts/${SID}/Balance.json`)).status,
        200,
        'the balance is readable'
      );
    } finally {
      await keys.stop();
    }
  });

  it("includes subaccounts' usage only when asked to", async () => {
    const h = await harness('twilio', account({ includeSubaccounts: true }), { now: () => clock });
    await h.poller.pollNow();
    assert.ok(
      closeTo(h.value('nexus_cost_usd_total'), monthCost(clock, 'totalprice', true)),
      "closeTo(h.value('nexus_cost_usd_total'), monthCost(clock, 'totalprice', true))"
    );
    assert.ok(
      monthCost(clock, 'totalprice', true) > monthCost(clock, 'totalprice') + 1,
      "monthCost(clock, 'totalprice', true) > monthCost(clock, 'totalprice') + 1"
    );
  });

  it('adds only the growth of the day on the next poll (no double count)', async () => {
    const h = await harness('twilio', account(), { now: () => clock });
    await h.poller.pollNow();
    const first = h.value('nexus_cost_usd_total');
    const alerts = h.value('nexus_provider_reported_errors_total');
    await h.poller.pollNow();
    assert.ok(closeTo(h.value('nexus_cost_usd_total'), first), 'an unchanged window adds nothing');
    assert.equal(h.value('nexus_provider_reported_errors_total'), alerts, 'alerts re-read are not counted again');
    clock = new Date(NOW.getTime() + 6 * 3600_000);
    await h.poller.pollNow();
    assert.ok(h.value('nexus_cost_usd_total') > first, "h.value('nexus_cost_usd_total') > first");
    assert.ok(
      closeTo(h.value('nexus_cost_usd_total'), monthCost(clock, 'totalprice')),
      "closeTo(h.value('nexus_cost_usd_total'), monthCost(clock, 'totalprice'))"
    );
    assert.equal(h.value('nexus_usage_requests_total', { category: 'sms' }), monthCount(clock, 'sms'));
    assertAlerts(h, alertCounts(utcMonthStart(clock)));
  });

  it('counts a late revision of a closed day in its category, not in other', async () => {
    const h = await harness('twilio', account(), { now: () => clock });
    await h.poller.pollNow();
    const sms = h.value('nexus_cost_usd_total', { category: 'sms' });
    const smsCount = h.value('nexus_usage_requests_total', { category: 'sms' });
    const other = h.value('nexus_cost_usd_total', { category: 'other' });
    const day = utcDayStart(clock) - 2 * DAY_SECONDS;
    const was = sim.day(day, 'sms', false).price;
    // A re-rating (+0.75) and 40 late messages, each priced.
    sim.revise(day, 'sms-outbound-longcode', 0.75, 40);
    const grew = sim.day(day, 'sms', false).price - was;
    assert.ok(grew > 0.75, 'grew > 0.75');
    await h.poller.pollNow();
    assert.ok(
      closeTo(h.value('nexus_cost_usd_total', { category: 'sms' }), sms + grew),
      "closeTo(h.value('nexus_cost_usd_total', { category: 'sms' }), sms + grew)"
    );
    assert.equal(h.value('nexus_usage_requests_total', { category: 'sms' }), smsCount + 40);
    assert.ok(
      closeTo(h.value('nexus_cost_usd_total', { category: 'other' }), other),
      "closeTo(h.value('nexus_cost_usd_total', { category: 'other' }), other)"
    );
    assert.ok(
      closeTo(h.value('nexus_cost_usd_total'), monthCost(clock, 'totalprice')),
      "closeTo(h.value('nexus_cost_usd_total'), monthCost(clock, 'totalprice'))"
    );
  });

  describe('the warning about overlapping costCategories', () => {
    const OVERLAP = /costCategories add up to more than totalprice/;
    /** A logger keeping the warnings. */
    const warnings = () => {
      const lines: string[] = [];
      const stream = new Writable({ write: (c: Buffer, _e, cb) => void (lines.push(c.toString('utf8')), cb()) });
      return { lines, log: createLogger('warn', stream) };
    };

    it("is not given when today's records grow between the totalprice request and the category requests", async () => {
      const w = warnings();
      const h = await harness('twilio', account(), { now: () => clock, log: w.log });
      // Twilio's clock runs on during the poll: every request sees later usage than the one before,
      // so today's categories, read after today's totalprice, add up to more than it.
      let t = clock.getTime();
      sim.now = () => new Date((t += 60_000));
      assert.equal(await h.poller.pollNow(), true);
      const today = utcDayStart(clock);
      const daily = sim.calls('/Usage/Records/Daily.json');
      const [total, ...categories] = daily.map((r) => r.at);
      assert.ok(
        categories.every((at) => at > total!),
        'the categories were read later than the total'
      );
      const grown = DEFAULT_COST_CATEGORIES.reduce((s, c) => s + sim.day(today, c, false).price, 0);
      sim.now = () => new Date(total!);
      assert.ok(
        grown > sim.day(today, 'totalprice', false).price + 0.01,
        "today's categories as read exceed today's total as read"
      );
      assert.deepEqual(
        w.lines.filter((l) => OVERLAP.test(l)),
        []
      );
    });

    it('is given, naming a closed day, when the categories really overlap', async () => {
      const w = warnings();
      // lookups contains carrier-lookups without sharing its prefix, so the schema lets both through.
      const h = await harness(
        'twilio',
        account({ costCategories: [...DEFAULT_COST_CATEGORIES, 'lookups', 'carrier-lookups'] }),
        { now: () => clock, log: w.log }
      );
      assert.equal(await h.poller.pollNow(), true);
      const found = w.lines.filter((l) => OVERLAP.test(l));
      // Each closed day of the month (the 1st to the 14th); today, still growing, is left out.
      const days = found.map(
        (l) =>
          /on (2026-11-\d\d): some of calls, sms, mms, phonenumbers, recordings, transcriptions, lookups, carrier-lookups contain one another/.exec(
            l
          )?.[1]
      );
      assert.deepEqual(
        days,
        Array.from({ length: 14 }, (_, i) => `2026-11-${String(i + 1).padStart(2, '0')}`)
      );
    });
  });

  it('survives a restart without double counting cost or alerts', async () => {
    const dir = await tempDir();
    try {
      const h1 = await harness('twilio', account(), { now: () => clock, stateDir: dir.path });
      await h1.poller.pollNow();
      const cost1 = h1.value('nexus_cost_usd_total');
      const alerts1 = h1.value('nexus_provider_reported_errors_total');
      clock = new Date(NOW.getTime() + 3 * 3600_000);
      const late = sim.addAlert(new Date(clock.getTime() - 600_000), '30003', 'error');
      const h2 = await harness('twilio', account(), { now: () => clock, stateDir: dir.path });
      assert.ok(closeTo(h2.value('nexus_cost_usd_total'), cost1), 'persisted totals are served before the first poll');
      assert.equal(h2.value('nexus_provider_reported_errors_total'), alerts1);
      await h2.poller.pollNow();
      await h2.poller.pollNow();
      assert.ok(
        closeTo(h2.value('nexus_cost_usd_total'), monthCost(clock, 'totalprice')),
        "closeTo(h2.value('nexus_cost_usd_total'), monthCost(clock, 'totalprice'))"
      );
      assert.equal(
        h2.value('nexus_provider_reported_errors_total', { code: '30003', level: 'error' }),
        1,
        `alert ${late.sid} counted once`
      );
      assertAlerts(h2, alertCounts(utcMonthStart(clock)));
      // Only the look-back window is re-read after the restart.
      const starts = sim.calls('/Usage/Records/Daily.json').map((r) => r.query.StartDate);
      assert.equal(starts.at(-1), '2026-11-12');
    } finally {
      await dir.remove();
    }
  });

  it('moves the alert window day by day without losing or repeating an alert', async () => {
    const h = await harness('twilio', account({ alertLookbackDays: 1 }), { now: () => clock });
    await h.poller.pollNow();
    for (const [hours, start] of [
      [24, '2026-11-15T00:00:00Z'],
      [48, '2026-11-16T00:00:00Z'],
    ] as const) {
      clock = new Date(NOW.getTime() + hours * 3600_000);
      await h.poller.pollNow();
      assert.equal(sim.calls('/Alerts').at(-1)?.query.StartDate, start, 'only today and yesterday are re-read');
      // Alerts of days that left the window stay counted; the re-read ones are not counted again.
      assertAlerts(h, alertCounts(utcMonthStart(clock)));
    }
  });

  it('filters alerts by level, asking Monitor for the one level configured', async () => {
    const h = await harness('twilio', account({ alertLevels: ['error'] }), { now: () => clock });
    await h.poller.pollNow();
    assert.ok(
      sim.calls('/Alerts').every((r) => r.query.LogLevel === 'error'),
      "sim.calls('/Alerts').every((r) => r.query.LogLevel === 'error')"
    );
    assertAlerts(h, alertCounts(utcMonthStart(clock), ['error']));
  });

  it('follows next_page_uri and meta.next_page_url across pages', async () => {
    const h = await harness('twilio', account({ pageSize: 6, costCategories: ['sms'] }), { now: () => clock });
    assert.equal(await h.poller.pollNow(), true);
    const sms = sim.calls('/Usage/Records/Daily.json').filter((r) => r.query.Category === 'sms');
    assert.equal(sms.length, 3, '15 daily records in pages of 6');
    assert.deepEqual(
      sms.map((r) => r.query.Page),
      [undefined, '1', '2']
    );
    assert.ok(
      sms.slice(1).every((r) => typeof r.query.PageToken === 'string' && r.query.StartDate === '2026-11-01'),
      "sms.slice(1).every((r) => typeof r.query.PageToken === 'string' && r.query.StartDate === '2026-11-01')"
    );
    assert.ok(
      closeTo(h.value('nexus_cost_usd_total', { category: 'sms' }), monthCost(clock, 'sms')),
      "closeTo(h.value('nexus_cost_usd_total', { category: 'sms' }), monthCost(clock, 'sms'))"
    );
    assert.ok(
      closeTo(h.value('nexus_cost_usd_total', { category: 'other' }), monthOther(clock, ['sms'])),
      "closeTo(h.value('nexus_cost_usd_total', { category: 'other' }), monthOther(clock, ['sms']))"
    );
    const alertPages = sim.calls('/Alerts');
    const expected = alertCounts(utcMonthStart(clock));
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    // Warnings and errors are filtered locally, so every alert of the window is paged through.
    assert.equal(alertPages.length, Math.ceil(sim.alerts(utcMonthStart(clock), clock.getTime() / 1000).length / 6));
    assert.ok(alertPages.length > 10, 'alertPages.length > 10');
    assert.equal(h.value('nexus_provider_reported_errors_total'), total);
    assertAlerts(h, expected);
  });

  it('reads numbers sent as JSON numbers as well as strings', async () => {
    const numeric = new TwilioSimulator({
      accountSid: SID,
      authToken: TOKEN,
      numericValues: true,
      startingBalance: 1200,
    });
    numeric.now = () => clock;
    const base = await numeric.start();
    try {
      const h = await harness(
        'twilio',
        { ...account(), baseUrl: `${base}/2010-04-01`, monitorBaseUrl: `${base}/v1` },
        { now: () => clock }
      );
      assert.equal(await h.poller.pollNow(), true);
      assert.ok(
        closeTo(h.value('nexus_cost_usd_total'), monthCost(clock, 'totalprice')),
        "closeTo(h.value('nexus_cost_usd_total'), monthCost(clock, 'totalprice'))"
      );
      assert.equal(h.value('nexus_usage_requests_total', { category: 'calls' }), monthCount(clock, 'calls'));
    } finally {
      await numeric.stop();
    }
  });

  it('leaves the balance out for a subaccount and for a balance not in USD', async () => {
    for (const options of [{ subaccount: true }, { currency: 'EUR' }]) {
      const other = new TwilioSimulator({ accountSid: SID, authToken: TOKEN, ...options });
      other.now = () => clock;
      const base = await other.start();
      try {
        const h = await harness(
          'twilio',
          { ...account(), baseUrl: `${base}/2010-04-01`, monitorBaseUrl: `${base}/v1` },
          { now: () => clock }
        );
        assert.equal(await h.poller.pollNow(), true, JSON.stringify(options));
        assert.equal(h.series('nexus_balance_usd').length, 0);
        assert.ok(
          closeTo(h.value('nexus_spend_usd', { period: 'month' }), monthCost(clock, 'totalprice')),
          "closeTo(h.value('nexus_spend_usd', { period: 'month' }), monthCost(clock, 'totalprice'))"
        );
      } finally {
        await other.stop();
      }
    }
  });

  it("takes the usage records' as_of as the data timestamp of the spend and usage sources", async () => {
    const h = await harness('twilio', account(), { now: () => clock });
    // Twilio's records lag: up to date as of 20 minutes before our clock.
    const asOf = new Date(clock.getTime() - 20 * 60_000);
    sim.now = () => asOf;
    assert.equal(await h.poller.pollNow(), true);
    const stamp = (source: string) => h.value('nexus_source_data_timestamp_seconds', { source });
    assert.equal(stamp('twilio.spend'), asOf.getTime() / 1000);
    assert.equal(stamp('twilio.usage'), asOf.getTime() / 1000);
    // Balance.json and Monitor carry no as_of: the read time.
    assert.equal(stamp('twilio.balance'), clock.getTime() / 1000);
    assert.equal(stamp('twilio.alerts'), clock.getTime() / 1000);
    // An as_of ahead of our clock (Twilio's clock runs fast) is not newer than the read.
    sim.now = () => new Date(clock.getTime() + 5 * 60_000);
    assert.equal(await h.poller.pollNow(), true);
    assert.equal(stamp('twilio.usage'), clock.getTime() / 1000);
    // A failed read (as_of in RFC 2822) leaves the last good timestamp.
    sim.now = () => asOf;
    assert.equal(await h.poller.pollNow(), true);
    clock = new Date(clock.getTime() + 60_000);
    sim.inject({ kind: 'dates', field: 'as_of' }, { path: 'Daily' });
    assert.equal(await h.poller.pollNow(), false);
    assert.equal(stamp('twilio.usage'), asOf.getTime() / 1000);
    assert.equal(
      h.value('nexus_provider_errors_total', { reason: 'bad_response', endpoint: '/Usage/Records/Daily.json' }),
      1
    );
    assert.match(
      h.poller.status().lastError!.message,
      /as_of: must be a date-time such as 2026-08-23T14:05:11\+00:00, got "Sun, 15 Nov 2026 11:40:00 \+0000"/
    );
  });

  it('honours a short Retry-After and succeeds on the retry', async () => {
    const h = await harness('twilio', account(), { now: () => clock });
    sim.inject({ kind: 'status', status: 429, retryAfter: 1, message: 'Too Many Requests' }, { path: 'Balance' });
    const started = performance.now();
    assert.equal(await h.poller.pollNow(), true);
    assert.ok(performance.now() - started >= 1000, 'waited as asked');
    assert.equal(h.value('nexus_provider_errors_total', { reason: 'rate_limited', endpoint: '/Balance.json' }), 1);
    assert.equal(h.value('nexus_provider_up'), 1);
  });

  const is =
    (...metrics: string[]): SeriesFilter =>
    (m) =>
      metrics.includes(m);
  const owners: Record<string, { source: string; owned: SeriesFilter }> = {
    '/Usage/Records/Today.json': { source: 'twilio.spend', owned: is('nexus_spend_usd') },
    '/Usage/Records/ThisMonth.json': { source: 'twilio.spend', owned: is('nexus_spend_usd') },
    '/Usage/Records/Daily.json': {
      source: 'twilio.usage',
      owned: is('nexus_cost_usd_total', 'nexus_usage_requests_total'),
    },
    '/Balance.json': { source: 'twilio.balance', owned: is('nexus_balance_usd') },
    '/Alerts': { source: 'twilio.alerts', owned: is('nexus_provider_reported_errors_total') },
  };
  const failures: Array<{
    name: string;
    fault: Fault;
    path: string;
    after?: number;
    reason: string;
    endpoint: string;
    http?: Record<string, number>;
    extra?: Record<string, unknown>;
  }> = [
    {
      name: 'auth 401',
      fault: { kind: 'status', status: 401, message: 'Authenticate' },
      path: 'Today',
      reason: 'auth',
      endpoint: '/Usage/Records/Today.json',
    },
    {
      name: 'auth 403',
      fault: { kind: 'status', status: 403, message: 'Forbidden' },
      path: 'Balance',
      reason: 'auth',
      endpoint: '/Balance.json',
    },
    {
      name: 'rate_limited 429 with a long Retry-After',
      fault: { kind: 'status', status: 429, retryAfter: 30, message: 'Too Many Requests' },
      path: 'Daily',
      after: 3,
      reason: 'rate_limited',
      endpoint: '/Usage/Records/Daily.json',
    },
    {
      name: 'server 500',
      fault: { kind: 'status', status: 500, message: 'An internal server error has occurred' },
      path: '/Alerts',
      reason: 'server',
      endpoint: '/Alerts',
    },
    {
      name: 'server 503',
      fault: { kind: 'status', status: 503, message: 'Service Unavailable' },
      path: 'ThisMonth',
      reason: 'server',
      endpoint: '/Usage/Records/ThisMonth.json',
    },
    {
      name: 'timeout',
      fault: { kind: 'slow', ms: 1500 },
      path: 'ThisMonth',
      reason: 'timeout',
      endpoint: '/Usage/Records/ThisMonth.json',
      http: { timeoutSeconds: 0.3 },
    },
    {
      name: 'network',
      fault: { kind: 'drop' },
      path: 'Daily',
      after: 1,
      reason: 'network',
      endpoint: '/Usage/Records/Daily.json',
    },
    {
      name: 'bad_response html',
      fault: { kind: 'html' },
      path: 'Balance',
      reason: 'bad_response',
      endpoint: '/Balance.json',
    },
    {
      name: 'bad_response truncated on a second page',
      fault: { kind: 'truncated' },
      path: 'Daily',
      after: 2,
      reason: 'bad_response',
      endpoint: '/Usage/Records/Daily.json',
      extra: { pageSize: 2, alerts: false },
    },
    {
      name: 'bad_response truncated alerts',
      fault: { kind: 'truncated' },
      path: '/Alerts',
      reason: 'bad_response',
      endpoint: '/Alerts',
    },
    // A new date format (RFC 2822 instead of YYYY-MM-DD): no record may land on a wrong day.
    {
      name: 'bad_response daily records dated in a new format',
      fault: { kind: 'dates' },
      path: 'Daily',
      after: 2,
      reason: 'bad_response',
      endpoint: '/Usage/Records/Daily.json',
    },
    {
      name: 'bad_response only end_date in a new format',
      fault: { kind: 'dates', field: 'end_date' },
      path: 'Daily',
      reason: 'bad_response',
      endpoint: '/Usage/Records/Daily.json',
    },
    {
      name: 'bad_response as_of in a new format',
      fault: { kind: 'dates', field: 'as_of' },
      path: 'ThisMonth',
      reason: 'bad_response',
      endpoint: '/Usage/Records/ThisMonth.json',
    },
    {
      name: 'bad_response alerts dated in a new format',
      fault: { kind: 'dates' },
      path: '/Alerts',
      reason: 'bad_response',
      endpoint: '/Alerts',
    },
  ];

  for (const f of failures) {
    it(`${f.name}: counted as ${f.reason}, that source's last good data kept, the others applied, down until it recovers`, async () => {
      const h = await harness('twilio', account(f.extra), { now: () => clock, http: { retries: 0, ...f.http } });
      assert.equal(await h.poller.pollNow(), true);
      // Usage grew meanwhile: a source applied even in part would change the snapshot.
      clock = new Date(NOW.getTime() + 4 * 3600_000);
      sim.addAlert(new Date(clock.getTime() - 60_000), '11200', 'error');
      const { source, owned } = owners[f.endpoint]!;
      await assertFailedSourceKeepsLastGoodData(
        h,
        { reason: f.reason, endpoint: f.endpoint, source },
        {
          fail: () => sim.inject(f.fault, { path: f.path, after: f.after }),
          recover: () => {
            assert.equal(h.poller.status().lastError?.reason, f.reason);
            if (source !== 'twilio.usage')
              assert.ok(
                closeTo(h.value('nexus_cost_usd_total'), monthCost(clock, 'totalprice')),
                'the usage source applied'
              );
            if (source !== 'twilio.alerts' && f.extra?.alerts !== false)
              assertAlerts(h, alertCounts(utcMonthStart(clock)));
            if (source !== 'twilio.spend')
              assert.ok(
                closeTo(h.value('nexus_spend_usd', { period: 'month' }), monthCost(clock, 'totalprice')),
                'the spend source applied'
              );
            sim.clearFaults();
          },
        },
        owned
      );
      assert.ok(
        closeTo(h.value('nexus_cost_usd_total'), monthCost(clock, 'totalprice')),
        "closeTo(h.value('nexus_cost_usd_total'), monthCost(clock, 'totalprice'))"
      );
      if (f.extra?.alerts !== false) assertAlerts(h, alertCounts(utcMonthStart(clock)));
    });
  }
});

describe('Twilio subaccounts with the parent credentials', () => {
  const SUB_A = 'AC00000000000000000000000000000a01';
  const SUB_B = 'AC00000000000000000000000000000b02';
  const CLOSED = 'AC00000000000000000000000000000c03';
  let parent: TwilioSimulator;
  let base: string;
  const subAccount = (extra: Record<string, unknown> = {}) => ({
    account: 'parent',
    accountSid: SID,
    authToken: TOKEN,
    baseUrl: `${base}/2010-04-01`,
    monitorBaseUrl: `${base}/v1`,
    ...extra,
  });
  const month = (sid: string, includeSub = false) =>
    days(clock).reduce((s, d) => s + parent.day(d, 'totalprice', includeSub, sid).price, 0);

  before(async () => {
    parent = new TwilioSimulator({
      accountSid: SID,
      authToken: TOKEN,
      apiKeys: { [KEY_SID]: KEY_SECRET },
      subaccounts: [
        { sid: SUB_A, friendlyName: 'EU customers', scale: 0.4 },
        { sid: SUB_B, friendlyName: 'US customers', scale: 0.25 },
        { sid: CLOSED, friendlyName: 'Old tenant', scale: 0.1, status: 'closed' },
      ],
    });
    base = await parent.start();
  });
  after(() => parent.stop());
  beforeEach(() => {
    clock = new Date(NOW);
    parent.now = () => clock;
    parent.requests.length = 0;
  });

  it('subaccounts: all reads every open subaccount as its own project, named, and the account total covers them', async () => {
    const h = await harness('twilio', subAccount({ subaccounts: 'all' }), { now: () => clock });
    assert.equal(await h.poller.pollNow(), true, JSON.stringify(h.poller.status().lastError));
    for (const sid of [SUB_A, SUB_B]) {
      assert.ok(month(sid) > 1, 'month(sid) > 1');
      assert.ok(closeTo(h.value('nexus_cost_usd_total', { project: sid }), month(sid)), sid);
      assert.ok(closeTo(h.value('nexus_project_spend_usd', { period: 'month', project: sid }), month(sid)), sid);
      assert.ok(
        parent.calls(`/Accounts/${sid}/Usage/Records/Daily.json`).every((r) => r.query.IncludeSubaccounts === 'false'),
        "parent.calls(`/Accounts/${sid}/Usage/Records/Daily.json`).every((r) => r.query.IncludeSubaccounts === 'false')"
      );
    }
    assert.equal(h.series('nexus_cost_usd_total', { project: CLOSED }).length, 0, 'a closed subaccount is not read');
    assert.ok(closeTo(h.value('nexus_cost_usd_total', { project: 'none' }), month(SID)), "the parent's own usage");
    assert.ok(
      closeTo(h.value('nexus_project_spend_usd', { period: 'month', project: 'none' }), month(SID)),
      "closeTo(h.value('nexus_project_spend_usd', { period: 'month', project: 'none' }), month(SID))"
    );
    const all = month(SID) + month(SUB_A) + month(SUB_B);
    assert.ok(
      closeTo(h.value('nexus_spend_usd', { period: 'month', scope: 'account' }), all),
      'the account spend is the parent and its subaccounts'
    );
    assert.ok(closeTo(h.value('nexus_cost_usd_total'), all), "closeTo(h.value('nexus_cost_usd_total'), all)");
    assert.equal(h.series('nexus_spend_usd', { period: 'month' }).length, 1);
    assert.deepEqual(
      h
        .series('nexus_project_info')
        .map((s) => [s.labels.project, s.labels.name])
        .sort(),
      [
        [SUB_A, 'EU customers'],
        [SUB_B, 'US customers'],
        [CLOSED, 'Old tenant'],
      ].sort()
    );
    // One balance: the parent's, shared by the subaccounts.
    assert.equal(h.series('nexus_balance_usd').length, 1);
    assert.equal(parent.calls('/Balance.json').length, 1);
  });

  it('a list of SIDs works with a Standard API key: usage is read, only the names are refused', async () => {
    const h = await harness(
      'twilio',
      subAccount({ authToken: undefined, apiKeySid: KEY_SID, apiKeySecret: KEY_SECRET, subaccounts: [SUB_B] }),
      { now: () => clock, http: { retries: 0 } }
    );
    assert.equal(await h.poller.pollNow(), false, 'the names source fails');
    assert.equal(h.value('nexus_provider_source_up', { source: 'twilio.subaccounts' }), 0);
    assert.equal(h.value('nexus_provider_errors_total', { endpoint: '/Accounts.json', reason: 'auth' }), 1);
    assert.ok(
      closeTo(h.value('nexus_cost_usd_total', { project: SUB_B }), month(SUB_B)),
      "closeTo(h.value('nexus_cost_usd_total', { project: SUB_B }), month(SUB_B))"
    );
    assert.equal(h.series('nexus_cost_usd_total', { project: SUB_A }).length, 0, 'only the listed subaccount');
    assert.equal(h.series('nexus_project_info').length, 0);
    const quiet = await harness(
      'twilio',
      subAccount({
        authToken: undefined,
        apiKeySid: KEY_SID,
        apiKeySecret: KEY_SECRET,
        subaccounts: [SUB_B],
        subaccountNames: false,
      }),
      { now: () => clock }
    );
    assert.equal(await quiet.poller.pollNow(), true, 'without names nothing is refused');
  });

  it('validates the subaccount settings', () => {
    const messages = (a: Record<string, unknown>) => {
      const r = twilio.accountSchema.safeParse(subAccount(a));
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    assert.deepEqual(messages({ subaccounts: 'all', includeSubaccounts: true }), [
      'includeSubaccounts: includeSubaccounts would count the subaccounts listed in subaccounts twice; leave it off',
    ]);
    assert.deepEqual(messages({ subaccounts: [SID] }), ['subaccounts.0: is this account itself']);
    assert.deepEqual(messages({ subaccounts: [SUB_A, SUB_A] }), [
      'subaccounts.1: AC00000000000000000000000000000a01 is listed twice',
    ]);
    assert.match(messages({ subaccounts: ['SK1'] })[0]!, /^subaccounts\.0: must be a subaccount SID/);
    assert.deepEqual(messages({ subaccounts: 'some' }).length, 1);
  });
});
