// The Twilio parsers against the provider's own documented example bodies (testdata/, from
// twilio/twilio-oai): usage records with string money, the balance, the Accounts list for subaccount
// names, Monitor alerts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decimal } from '../../metrics/decimal.js';
import { accountsPage, alertsPage, balanceBody, usageRecordsPage } from './parse.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8'));

describe('Twilio documented examples', () => {
  it('reads Daily usage records: the start day, string price as exact money, string count', () => {
    const page = usageRecordsPage.parse(fixture('usage-records-daily.json'));
    const [r] = page.usage_records;
    assert.equal(r!.category, 'sms-inbound-shortcode');
    assert.equal(r!.start_date, Date.UTC(2011, 7, 23) / 1000);
    assert.equal(r!.end_date, Date.UTC(2015, 8, 4) / 1000);
    assert.equal(r!.as_of, Date.UTC(2019, 5, 24, 22, 32, 49) / 1000, 'as_of, documented as YYYY-MM-DDTHH:MM:SS+00:00');
    assert.equal(r!.price, 0n);
    assert.equal(r!.count, 0);
    assert.equal(page.next_page_uri, null);
  });

  it('reads a Records page with a null count and a next page', () => {
    const page = usageRecordsPage.parse(fixture('usage-records.json'));
    const [r] = page.usage_records;
    assert.equal(r!.price, decimal('2192.84855'));
    assert.equal(r!.count, undefined);
    assert.match(page.next_page_uri!, /PageToken=/);
  });

  it('refuses a record whose dates are in another format, naming the field', () => {
    const page = fixture('usage-records-daily.json') as { usage_records: Array<Record<string, unknown>> };
    const record = page.usage_records[0]!;
    // RFC 2822, as Twilio's 2010 API writes date_created on other resources.
    for (const [field, value] of [
      ['as_of', 'Mon, 24 Jun 2019 22:32:49 +0000'],
      ['start_date', 'Tue, 23 Aug 2011 00:00:00 +0000'],
      ['end_date', '09/04/2015'],
    ]) {
      const r = usageRecordsPage.safeParse({ ...page, usage_records: [{ ...record, [field!]: value }] });
      assert.ok(!r.success, field);
      assert.deepEqual(r.error.issues[0]!.path, ['usage_records', 0, field]);
    }
    // Absent or null is no date at all.
    for (const asOf of [undefined, null])
      assert.equal(
        usageRecordsPage.parse({ ...page, usage_records: [{ ...record, as_of: asOf }] }).usage_records[0]!.as_of,
        undefined
      );
  });

  it('reads the balance as exact money', () => {
    const b = balanceBody.parse(fixture('balance.json'));
    assert.equal(b.balance, decimal('0.05'));
    assert.equal(b.currency, 'USD');
  });

  it('reads the Accounts list for subaccount names', () => {
    const page = accountsPage.parse(fixture('accounts.json'));
    assert.deepEqual(
      page.accounts.map((a) => [a.sid, a.friendly_name, a.status]),
      [['ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'friendly_name', 'active']]
    );
  });

  it('reads Monitor alerts with an absolute next page URL', () => {
    const page = alertsPage.parse(fixture('alerts.json'));
    assert.equal(page.alerts[0]!.sid, 'NOaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
    assert.equal(page.alerts[0]!.date_created, '2015-07-30T20:00:00Z');
    assert.equal(page.meta.next_page_url, null);
  });
});
