// A fake Twilio, built from the 2010-04-01 REST API and Monitor v1 as documented: HTTP Basic auth with
// the Account SID + Auth Token or an API Key SID + secret (error 20003 otherwise, the `AC…` SID must be
// in the path), Usage Records and their subresources (Daily, Today, ThisMonth…) with the category
// hierarchy (a parent category's record includes its children, `totalprice` includes everything),
// money and counts as strings, PageSize/Page/PageToken paging with a relative `next_page_uri`,
// IncludeSubaccounts, subaccounts whose v2010 resources the parent's credentials read, the Accounts
// list, Balance.json (404 for a subaccount), Standard API keys refused on the Account resources (error
// 20003), and Monitor Alerts paged by an absolute `meta.next_page_url`. Usage accrues through the
// current day on the simulator's clock. Records carry `as_of` (the simulator's clock when answering).
//
// Sources: github.com/twilio/twilio-oai spec/json/twilio_api_v2010.json and twilio_monitor_v1.json at
// d50069b44ea8cd23141385bdb6db48f16ff75bb5 (2026-04-14): Usage Records and subresources, Balance,
// Accounts (list and fetch), Alerts, their parameters and examples. Key types: twilio.com/docs/iam/
// api-keys/keys-in-console and /docs/iam/keys/api-key-resource (read 2026-11-29): "Standard: access to
// all Twilio API resources, except for API key and Account resources"; the 401 "Authenticate" (20003)
// a key gets on the Account resource as reported in github.com/twilio/twilio-python/issues/259.
// Subaccounts: twilio.com/docs/iam/api/subaccounts (parent credentials reach subaccounts' v2010
// resources; subaccounts have no balance of their own).
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { DAY_SECONDS, utcDayStart, utcMonthStart } from '../providers/values.js';
import { Simulator, hash01 } from './base.js';

export interface TwilioSimOptions {
  accountSid: string;
  authToken: string;
  /** API keys of the account: SK… SID → secret (a Standard key), or the secret and the key type. */
  apiKeys?: Record<string, string | { secret: string; type: 'standard' | 'main' }>;
  /** Subaccounts of the account, each with usage of its own (`scale` of the account's); readable with the parent's credentials. */
  subaccounts?: Array<{
    sid: string;
    friendlyName: string;
    scale?: number;
    status?: 'active' | 'suspended' | 'closed';
  }>;
  /** A subaccount: Balance.json answers 404 (child accounts carry no balance). */
  subaccount?: boolean;
  /** Balance at the start of the month; the balance served is this minus the month's spend. */
  startingBalance?: number;
  currency?: string;
  /** Send price, count and usage as JSON numbers (the spec's type) instead of strings (what Twilio sends). */
  numericValues?: boolean;
  /** Without `subaccounts`: their usage as a share of the account's own, included unless IncludeSubaccounts=false. */
  subaccountShare?: number;
  /** Volume multiplier for the demo. */
  scale?: number;
  /** Average Monitor alerts per hour. */
  alertsPerHour?: number;
}

interface Leaf {
  category: string;
  description: string;
  countUnit: string;
  usageUnit: string;
  /** Events per day at scale 1 on a weekday. */
  perDay: number;
  /** USD per usage unit. */
  unitPrice: number;
  /** Usage units per event (minutes per call). */
  usagePerEvent: number;
  /** Day of the month a monthly fee is charged on (phone numbers); daily usage otherwise. */
  monthlyOn?: number;
}

/** The leaves of the simulated hierarchy: every priced event lands in exactly one of them. */
const LEAVES: Leaf[] = [
  {
    category: 'calls-inbound-local',
    description: 'Inbound Local Calls',
    countUnit: 'calls',
    usageUnit: 'minutes',
    perDay: 420,
    unitPrice: 0.0085,
    usagePerEvent: 3.2,
  },
  {
    category: 'calls-inbound-tollfree',
    description: 'Inbound TollFree Calls',
    countUnit: 'calls',
    usageUnit: 'minutes',
    perDay: 160,
    unitPrice: 0.022,
    usagePerEvent: 4.5,
  },
  {
    category: 'calls-outbound',
    description: 'Outbound Calls',
    countUnit: 'calls',
    usageUnit: 'minutes',
    perDay: 300,
    unitPrice: 0.014,
    usagePerEvent: 2.1,
  },
  {
    category: 'calls-client',
    description: 'Client Calls',
    countUnit: 'calls',
    usageUnit: 'minutes',
    perDay: 90,
    unitPrice: 0.004,
    usagePerEvent: 6,
  },
  {
    category: 'sms-inbound-longcode',
    description: 'Inbound Longcode SMS',
    countUnit: 'messages',
    usageUnit: 'messages',
    perDay: 900,
    unitPrice: 0.0079,
    usagePerEvent: 1,
  },
  {
    category: 'sms-outbound-longcode',
    description: 'Outbound Longcode SMS',
    countUnit: 'messages',
    usageUnit: 'messages',
    perDay: 2600,
    unitPrice: 0.0079,
    usagePerEvent: 1,
  },
  {
    category: 'sms-outbound-shortcode',
    description: 'Outbound Shortcode SMS',
    countUnit: 'messages',
    usageUnit: 'messages',
    perDay: 700,
    unitPrice: 0.0083,
    usagePerEvent: 1,
  },
  {
    category: 'mms-inbound',
    description: 'Inbound MMS',
    countUnit: 'messages',
    usageUnit: 'messages',
    perDay: 40,
    unitPrice: 0.01,
    usagePerEvent: 1,
  },
  {
    category: 'mms-outbound',
    description: 'Outbound MMS',
    countUnit: 'messages',
    usageUnit: 'messages',
    perDay: 120,
    unitPrice: 0.02,
    usagePerEvent: 1,
  },
  {
    category: 'phonenumbers-local',
    description: 'Local Phone Numbers',
    countUnit: 'phone numbers',
    usageUnit: 'phone numbers',
    perDay: 12,
    unitPrice: 1.15,
    usagePerEvent: 1,
    monthlyOn: 1,
  },
  {
    category: 'phonenumbers-tollfree',
    description: 'TollFree Phone Numbers',
    countUnit: 'phone numbers',
    usageUnit: 'phone numbers',
    perDay: 2,
    unitPrice: 2.15,
    usagePerEvent: 1,
    monthlyOn: 9,
  },
  {
    category: 'recordings',
    description: 'Recordings',
    countUnit: 'recordings',
    usageUnit: 'minutes',
    perDay: 150,
    unitPrice: 0.0025,
    usagePerEvent: 3,
  },
  {
    category: 'transcriptions',
    description: 'Transcriptions',
    countUnit: 'transcriptions',
    usageUnit: 'minutes',
    perDay: 35,
    unitPrice: 0.05,
    usagePerEvent: 2.5,
  },
  {
    category: 'carrier-lookups',
    description: 'Carrier Lookups',
    countUnit: 'lookups',
    usageUnit: 'lookups',
    perDay: 250,
    unitPrice: 0.005,
    usagePerEvent: 1,
  },
];

/** Roll-up categories and the leaves they contain. `totalprice` is every leaf. */
const PARENTS: Record<string, { description: string; countUnit: string; usageUnit: string; leaves: string[] }> = {
  calls: {
    description: 'Voice Minutes',
    countUnit: 'calls',
    usageUnit: 'minutes',
    leaves: ['calls-inbound-local', 'calls-inbound-tollfree', 'calls-outbound', 'calls-client'],
  },
  'calls-inbound': {
    description: 'Inbound Voice Minutes',
    countUnit: 'calls',
    usageUnit: 'minutes',
    leaves: ['calls-inbound-local', 'calls-inbound-tollfree'],
  },
  sms: {
    description: 'SMS',
    countUnit: 'messages',
    usageUnit: 'messages',
    leaves: ['sms-inbound-longcode', 'sms-outbound-longcode', 'sms-outbound-shortcode'],
  },
  'sms-inbound': {
    description: 'Inbound SMS',
    countUnit: 'messages',
    usageUnit: 'messages',
    leaves: ['sms-inbound-longcode'],
  },
  'sms-outbound': {
    description: 'Outbound SMS',
    countUnit: 'messages',
    usageUnit: 'messages',
    leaves: ['sms-outbound-longcode', 'sms-outbound-shortcode'],
  },
  mms: { description: 'MMS', countUnit: 'messages', usageUnit: 'messages', leaves: ['mms-inbound', 'mms-outbound'] },
  phonenumbers: {
    description: 'Phone Numbers',
    countUnit: 'phone numbers',
    usageUnit: 'phone numbers',
    leaves: ['phonenumbers-local', 'phonenumbers-tollfree'],
  },
  lookups: { description: 'Lookups', countUnit: 'lookups', usageUnit: 'lookups', leaves: ['carrier-lookups'] },
  totalprice: { description: 'Total Price', countUnit: '', usageUnit: 'usd', leaves: LEAVES.map((l) => l.category) },
};

export const TWILIO_CATEGORIES = [...Object.keys(PARENTS), ...LEAVES.map((l) => l.category)].sort();

export interface UsageValue {
  /** Null for `totalprice`, which counts money only. */
  count: number | null;
  usage: number;
  price: number;
}

export interface SimAlert {
  sid: string;
  code: string;
  level: 'error' | 'warning' | 'notice' | 'debug';
  /** Unix ms when Twilio generated the alert; it is created (listed) a few seconds later. */
  generated: number;
  created: number;
  text: string;
}

const ALERT_KINDS: Array<{ code: string; level: SimAlert['level']; weight: number; text: string }> = [
  {
    code: '11200',
    level: 'error',
    weight: 0.35,
    text: 'Msg=HTTP+retrieval+failure&sourceComponent=14100&httpResponse=502&url=https%3A%2F%2Fhooks.example.com%2Fsms',
  },
  {
    code: '11205',
    level: 'error',
    weight: 0.15,
    text: 'Msg=HTTP+connection+failure&sourceComponent=12000&url=https%3A%2F%2Fhooks.example.com%2Fvoice',
  },
  { code: '30007', level: 'warning', weight: 0.25, text: 'Msg=Message+filtered&sourceComponent=14100&ErrorCode=30007' },
  {
    code: '12300',
    level: 'warning',
    weight: 0.1,
    text: 'Msg=Invalid+Content-Type&sourceComponent=12000&contentType=text%2Fplain',
  },
  {
    code: '15003',
    level: 'notice',
    weight: 0.15,
    text: 'Msg=Call+progress+callback+returned+HTTP+404&sourceComponent=15000',
  },
];

const LIST_SUBRESOURCES = [
  'Daily',
  'Monthly',
  'Yearly',
  'AllTime',
  'Today',
  'Yesterday',
  'ThisMonth',
  'LastMonth',
] as const;
const ALERT_RETENTION_SECONDS = 30 * DAY_SECONDS;

export class TwilioSimulator extends Simulator {
  /** Extra USD and events per (day, leaf), added by `revise`: late revisions of closed days. */
  private readonly revisions = new Map<string, { usd: number; count: number }>();
  private readonly extraAlerts: SimAlert[] = [];
  /** Days before this one have no usage. */
  firstDay = 0;

  constructor(readonly options: TwilioSimOptions) {
    super('twilio', (status, message) => twilioError(status, message));
  }

  /**
   * The `dates` fault: usage records' `start_date`, `end_date`, `as_of` and alerts' dates in RFC 2822
   * ("Sun, 15 Nov 2026 00:00:00 +0000"), the notation of the 2010 API's own `date_created` fields.
   */
  protected override readonly dateDrift = Object.fromEntries(
    ['start_date', 'end_date', 'as_of', 'date_created', 'date_generated'].map((k) => [k, rfc2822])
  );

  protected routes(): void {
    this.app.use((_req, res, next) => {
      res.set({
        'Twilio-Concurrent-Requests': '1',
        'Twilio-Request-Id': `RQ${hex32(`${Date.now()}|${Math.random()}`)}`,
        'Twilio-Request-Duration': '0.041',
      });
      next();
    });
    const api = '/2010-04-01/Accounts';
    this.app.get(`${api}.json`, (req, res) => {
      if (!this.authorize(req, res, undefined, 'account')) return;
      const paging = this.paging(req.query as Record<string, unknown>);
      if (typeof paging === 'string') return this.fail(res, 400, paging);
      const accounts = [
        this.accountResource(this.options.accountSid),
        ...(this.options.subaccounts ?? []).map((a) => this.accountResource(a.sid)),
      ];
      this.page(res, 'accounts', accounts, req.path, [], paging, false);
    });
    this.app.get(`${api}/:file`, (req, res) => {
      const file = String(req.params.file);
      if (!file.endsWith('.json')) return this.xmlAnswer(res);
      const sid = file.slice(0, -'.json'.length);
      if (!this.authorize(req, res, sid, 'account')) return;
      res.json(this.accountResource(sid));
    });
    this.app.get(`${api}/:sid/Balance.json`, (req, res) => {
      const sid = String(req.params.sid);
      if (!this.authorize(req, res, sid)) return;
      if (this.options.subaccount || sid !== this.options.accountSid)
        return this.fail(res, 404, `The requested resource /2010-04-01/Accounts/${sid}/Balance.json was not found`);
      res.json({ account_sid: sid, balance: this.balance().toFixed(5), currency: this.options.currency ?? 'USD' });
    });
    this.app.get(`${api}/:sid/Usage/Records.json`, (req, res) => this.records(req, res, 'Records'));
    this.app.get(`${api}/:sid/Usage/Records/:file`, (req, res) => {
      const file = String(req.params.file);
      const sub = LIST_SUBRESOURCES.find((s) => file === `${s}.json`);
      if (!sub) {
        if (!this.authorize(req, res, String(req.params.sid))) return;
        return this.fail(res, 404, `The requested resource ${req.path} was not found`);
      }
      this.records(req, res, sub);
    });
    this.app.get('/v1/Alerts', (req, res) => this.listAlerts(req, res));
    this.app.get('/v1/Alerts/:sid', (req, res) => {
      if (!this.authorize(req, res)) return;
      const alert = this.alerts(0, this.now().getTime() / 1000).find((a) => a.sid === req.params.sid);
      if (!alert) return this.fail(res, 404, `The requested resource /Alerts/${String(req.params.sid)} was not found`);
      res.json({
        ...this.renderAlert(req, alert),
        request_variables: '',
        response_body: '',
        response_headers: '',
        request_headers: null,
      });
    });
  }

  // ---- the data, for the routes and for tests computing expected values ----

  private accountResource(sid: string) {
    const sub = this.options.subaccounts?.find((a) => a.sid === sid);
    return {
      auth_token: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      sid,
      owner_account_sid: this.options.accountSid,
      friendly_name: sub ? sub.friendlyName : this.options.subaccount ? 'Subaccount' : 'Main account',
      status: sub?.status ?? 'active',
      type: 'Full',
      date_created: 'Tue, 04 Apr 2023 09:12:44 +0000',
      date_updated: 'Tue, 04 Apr 2023 09:12:44 +0000',
      subresource_uris: {
        balance: `/2010-04-01/Accounts/${sid}/Balance.json`,
        usage_records: `/2010-04-01/Accounts/${sid}/Usage/Records.json`,
      },
      uri: `/2010-04-01/Accounts/${sid}.json`,
    };
  }

  /** Forgets revisions and added alerts (between tests). */
  resetData(): void {
    this.revisions.clear();
    this.extraAlerts.length = 0;
  }

  /** Adds `usd` (and `count` events) to one leaf category of a day: a late revision. */
  revise(dayStart: number, leaf: string, usd: number, count = 0): void {
    if (!LEAVES.some((l) => l.category === leaf)) throw new Error(`${leaf} is not a leaf category`);
    const key = `${dayStart}|${leaf}`;
    const r = this.revisions.get(key) ?? { usd: 0, count: 0 };
    this.revisions.set(key, { usd: r.usd + usd, count: r.count + count });
  }

  /** The record of `category` for one UTC day, as Daily.json serves it, of the account or one of its subaccounts. */
  day(dayStart: number, category: string, includeSubaccounts = true, sid = this.options.accountSid): UsageValue {
    const parent = PARENTS[category];
    const leaves = parent ? parent.leaves : LEAVES.some((l) => l.category === category) ? [category] : [];
    let count = 0;
    let usage = 0;
    let price = 0;
    for (const leaf of leaves) {
      const v = this.leafDay(dayStart, leaf, includeSubaccounts, sid);
      count += v.count;
      usage += v.usage;
      price += v.price;
    }
    if (category === 'totalprice') return { count: null, usage: round5(price), price: round5(price) };
    return { count, usage: round5(usage), price: round5(price) };
  }

  /** The record of `category` over the days [fromDay, toDay], as Records.json or ThisMonth.json serve it. */
  period(
    fromDay: number,
    toDay: number,
    category: string,
    includeSubaccounts = true,
    sid = this.options.accountSid
  ): UsageValue {
    let count: number | null = category === 'totalprice' ? null : 0;
    let usage = 0;
    let price = 0;
    for (let d = fromDay; d <= toDay; d += DAY_SECONDS) {
      const v = this.day(d, category, includeSubaccounts, sid);
      if (count !== null) count += v.count ?? 0;
      usage += v.usage;
      price += v.price;
    }
    return { count, usage: round5(usage), price: round5(price) };
  }

  /** Prepaid balance: the starting balance minus this month's spend so far (the whole account tree). */
  balance(): number {
    const today = utcDayStart(this.now());
    return round5(
      (this.options.startingBalance ?? 500) - this.period(utcMonthStart(this.now()), today, 'totalprice').price
    );
  }

  /** Adds an alert created at `at` (tests); returns it. */
  addAlert(at: Date, code: string, level: SimAlert['level'] = 'error'): SimAlert {
    const created = at.getTime();
    const alert: SimAlert = {
      sid: `NO${hex32(`extra|${created}|${code}|${this.extraAlerts.length}`)}`,
      code,
      level,
      generated: created - 2000,
      created,
      text: `Msg=Simulated+alert+${code}`,
    };
    this.extraAlerts.push(alert);
    return alert;
  }

  /** Alerts created in [fromSec, toSec), newest first, as Monitor lists them (30 days are kept). */
  alerts(fromSec: number, toSec: number): SimAlert[] {
    const nowMs = this.now().getTime();
    const from = Math.max(fromSec * 1000, nowMs - ALERT_RETENTION_SECONDS * 1000, this.firstDay * 1000);
    const to = Math.min(toSec * 1000, nowMs + 1);
    const out: SimAlert[] = [];
    const rate = this.options.alertsPerHour ?? 1;
    for (let hour = Math.floor(from / 3_600_000) - 1; hour * 3_600_000 < to; hour++) {
      const n = Math.floor(hash01(`alerts|${hour}`) * (2 * rate + 1));
      for (let i = 0; i < n; i++) {
        const generated = hour * 3_600_000 + Math.floor(hash01(`alert-at|${hour}|${i}`) * 3_600_000);
        const created = generated + 1000 + Math.floor(hash01(`alert-lag|${hour}|${i}`) * 8000);
        if (created < from || created >= to) continue;
        let pick = hash01(`alert-kind|${hour}|${i}`);
        const kind = ALERT_KINDS.find((k) => (pick -= k.weight) < 0) ?? ALERT_KINDS[0]!;
        out.push({
          sid: `NO${hex32(`alert|${hour}|${i}`)}`,
          code: kind.code,
          level: kind.level,
          generated,
          created,
          text: kind.text,
        });
      }
    }
    for (const a of this.extraAlerts) if (a.created >= from && a.created < to) out.push(a);
    return out.sort((a, b) => b.created - a.created || (a.sid < b.sid ? -1 : 1));
  }

  /** Fraction of the day that has elapsed on the simulator's clock (1 for past days, 0 for future ones). */
  private elapsed(dayStart: number): number {
    if (dayStart < this.firstDay) return 0;
    const now = this.now().getTime() / 1000;
    return Math.max(0, Math.min(1, (now - dayStart) / DAY_SECONDS));
  }

  private leafDay(
    dayStart: number,
    category: string,
    includeSubaccounts: boolean,
    sid: string
  ): { count: number; usage: number; price: number } {
    const subs = this.options.subaccounts;
    if (sid !== this.options.accountSid || !subs)
      return this.ownLeafDay(
        dayStart,
        category,
        includeSubaccounts ? 1 + (this.options.subaccountShare ?? 0.25) : 1,
        sid
      );
    const own = this.ownLeafDay(dayStart, category, 1, sid);
    if (!includeSubaccounts) return own;
    for (const sub of subs) {
      const v = this.ownLeafDay(dayStart, category, 1, sub.sid);
      own.count += v.count;
      own.usage = round5(own.usage + v.usage);
      own.price = round5(own.price + v.price);
    }
    return own;
  }

  /** One account's own usage of a leaf on a day; `share` scales the event count. */
  private ownLeafDay(
    dayStart: number,
    category: string,
    share: number,
    sid: string
  ): { count: number; usage: number; price: number } {
    const leaf = LEAVES.find((l) => l.category === category)!;
    const f = this.elapsed(dayStart);
    const main = sid === this.options.accountSid;
    const sub = this.options.subaccounts?.find((a) => a.sid === sid);
    const scale = (this.options.scale ?? 1) * (main ? 1 : (sub?.scale ?? 0.2));
    // The main account keeps the seeds it always had; a subaccount's usage is its own.
    const salt = main ? '' : `|${sid}`;
    let count = 0;
    if (leaf.monthlyOn !== undefined) {
      // Monthly fees are charged whole, early on their day.
      if (new Date(dayStart * 1000).getUTCDate() === leaf.monthlyOn && f > 0.01)
        count = Math.round(leaf.perDay * share * (main ? 1 : (sub?.scale ?? 0.2)));
    } else if (f > 0) {
      const weekday = [0.45, 1, 1.1, 1.05, 1, 0.9, 0.4][new Date(dayStart * 1000).getUTCDay()]!;
      const h = hash01(`${dayStart}|${category}${salt}`);
      count = Math.round(leaf.perDay * scale * weekday * (0.6 + 0.8 * h) * f * share);
    }
    const rev = main ? this.revisions.get(`${dayStart}|${category}`) : undefined;
    count += rev?.count ?? 0;
    const usage = round5(count * leaf.usagePerEvent);
    const price = round5(usage * leaf.unitPrice + (rev?.usd ?? 0));
    return { count, usage, price };
  }

  // ---- HTTP ----

  /**
   * Basic auth as the account (SID and Auth Token) or one of its API keys. `pathSid` must be the
   * account or one of its subaccounts; the Account resources (`resource: 'account'`) are refused to
   * Standard API keys with the 401 Twilio answers them.
   */
  private authorize(req: Request, res: Response, pathSid?: string, resource: 'account' | 'other' = 'other'): boolean {
    const header = req.get('authorization') ?? '';
    const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header);
    if (!m) {
      res.set('WWW-Authenticate', 'Basic realm="Twilio API"');
      this.fail(res, 401, 'Authentication Error - No credentials provided');
      return false;
    }
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = decoded.slice(0, colon);
    const pass = decoded.slice(colon + 1);
    const { accountSid, authToken, apiKeys = {} } = this.options;
    const key = apiKeys[user];
    const keySecret = typeof key === 'string' ? key : key?.secret;
    const keyType = typeof key === 'object' ? key.type : 'standard';
    const asAccount = user === accountSid && pass === authToken;
    const ok = colon > 0 && (asAccount || (key !== undefined && keySecret === pass));
    if (!ok) {
      res.set('WWW-Authenticate', 'Basic realm="Twilio API"');
      res
        .status(401)
        .json({ ...twilioError(401, 'Authenticate'), detail: 'Your AccountSid or AuthToken was incorrect.' });
      return false;
    }
    if (resource === 'account' && !asAccount && keyType === 'standard') {
      // "Standard: access to all Twilio API resources, except for API key and Account resources."
      res.status(401).json(twilioError(401, 'Authenticate'));
      return false;
    }
    if (pathSid !== undefined && pathSid !== accountSid && !this.options.subaccounts?.some((a) => a.sid === pathSid)) {
      // An API Key SID in the path, or another account's SID.
      this.fail(res, 404, `The requested resource ${req.path} was not found`);
      return false;
    }
    return true;
  }

  private xmlAnswer(res: Response): void {
    // The 2010 API answers XML unless the path ends in .json; the exporter never asks for XML.
    res
      .status(200)
      .type('application/xml')
      .send("<?xml version='1.0' encoding='UTF-8'?>\n<TwilioResponse><Account/></TwilioResponse>");
  }

  private records(req: Request, res: Response, sub: (typeof LIST_SUBRESOURCES)[number] | 'Records'): void {
    const sid = String(req.params.sid);
    if (!this.authorize(req, res, sid)) return;
    const q = req.query as Record<string, unknown>;
    const today = utcDayStart(this.now());
    const startParam = parseDateParam(q.StartDate, today);
    const endParam = parseDateParam(q.EndDate, today);
    if (startParam === null) return this.fail(res, 400, `StartDate is not a valid date: ${String(q.StartDate)}`);
    if (endParam === null) return this.fail(res, 400, `EndDate is not a valid date: ${String(q.EndDate)}`);
    const category = q.Category === undefined ? undefined : String(q.Category);
    if (category !== undefined && !TWILIO_CATEGORIES.includes(category))
      return this.fail(res, 400, `Category is invalid: ${category}`);
    const includeSub = String(q.IncludeSubaccounts ?? 'true').toLowerCase() !== 'false';
    const paging = this.paging(q);
    if (typeof paging === 'string') return this.fail(res, 400, paging);

    const periods = periodsOf(sub, startParam, endParam, today, this.firstDay);
    const categories = category ? [category] : TWILIO_CATEGORIES;
    const all: unknown[] = [];
    const asOf = `${this.now().toISOString().slice(0, 19)}+00:00`;
    for (const c of categories) {
      for (const [from, to] of periods) {
        const v = sub === 'Daily' ? this.day(from, c, includeSub, sid) : this.period(from, to, c, includeSub, sid);
        all.push(this.renderRecord(sid, c, from, to, v, asOf));
      }
    }
    const path = req.path;
    const filters = Object.entries(q)
      .filter(([k]) => !['Page', 'PageSize', 'PageToken'].includes(k))
      .map(([k, v]) => [k, String(v)] as [string, string]);
    this.page(res, 'usage_records', all, path, filters, paging, false);
  }

  private renderRecord(sid: string, category: string, from: number, to: number, v: UsageValue, asOf: string) {
    const parent = PARENTS[category];
    const leaf = LEAVES.find((l) => l.category === category);
    const num = (n: number | null) => (n === null ? null : this.options.numericValues ? n : String(n));
    const base = `/2010-04-01/Accounts/${sid}/Usage/Records`;
    const sub = (name: string) => `${base}/${name}.json?Category=${category}`;
    return {
      account_sid: sid,
      api_version: '2010-04-01',
      as_of: asOf,
      category,
      count: num(v.count),
      count_unit: parent?.countUnit ?? leaf?.countUnit ?? '',
      description: parent?.description ?? leaf?.description ?? category,
      end_date: isoDay(to),
      price: num(v.price),
      price_unit: 'usd',
      start_date: isoDay(from),
      subresource_uris: {
        all_time: sub('AllTime'),
        daily: sub('Daily'),
        last_month: sub('LastMonth'),
        monthly: sub('Monthly'),
        this_month: sub('ThisMonth'),
        today: sub('Today'),
        yearly: sub('Yearly'),
        yesterday: sub('Yesterday'),
      },
      uri: `${base}.json?Category=${category}&StartDate=${isoDay(from)}&EndDate=${isoDay(to)}`,
      usage: num(v.usage),
      usage_unit: parent?.usageUnit ?? leaf?.usageUnit ?? '',
    };
  }

  private listAlerts(req: Request, res: Response): void {
    if (!this.authorize(req, res)) return;
    const q = req.query as Record<string, unknown>;
    const start = parseAlertDate(q.StartDate, false);
    const end = parseAlertDate(q.EndDate, true);
    if (start === null) return this.fail(res, 400, `Invalid StartDate: ${String(q.StartDate)}`);
    if (end === null) return this.fail(res, 400, `Invalid EndDate: ${String(q.EndDate)}`);
    const level = q.LogLevel === undefined ? undefined : String(q.LogLevel);
    if (level !== undefined && !['error', 'warning', 'notice', 'debug'].includes(level))
      return this.fail(res, 400, `Invalid LogLevel: ${level}`);
    const paging = this.paging(q);
    if (typeof paging === 'string') return this.fail(res, 400, paging);
    const alerts = this.alerts(start ?? 0, end ?? Number.MAX_SAFE_INTEGER)
      .filter((a) => !level || a.level === level)
      .map((a) => this.renderAlert(req, a));
    const filters = Object.entries(q)
      .filter(([k]) => !['Page', 'PageSize', 'PageToken'].includes(k))
      .map(([k, v]) => [k, String(v)] as [string, string]);
    this.page(res, 'alerts', alerts, req.path, filters, paging, true, `${req.protocol}://${req.get('host') ?? ''}`);
  }

  private renderAlert(req: Request, a: SimAlert) {
    const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;
    return {
      account_sid: this.options.accountSid,
      alert_text: a.text,
      api_version: '2010-04-01',
      date_created: iso(a.created),
      date_generated: iso(a.generated),
      date_updated: iso(a.created),
      error_code: a.code,
      log_level: a.level,
      more_info: `https://www.twilio.com/docs/errors/${a.code}`,
      request_method: 'POST',
      request_url: 'https://hooks.example.com/sms',
      resource_sid: `SM${hex32(`resource|${a.sid}`)}`,
      sid: a.sid,
      url: `${req.protocol}://${req.get('host') ?? ''}/v1/Alerts/${a.sid}`,
      service_sid: null,
    };
  }

  /** PageSize (1-1000, default 50), Page and the PageToken that must match it. */
  private paging(q: Record<string, unknown>): { size: number; page: number; offset: number } | string {
    const size = q.PageSize === undefined ? 50 : Number(q.PageSize);
    if (!Number.isInteger(size) || size < 1 || size > 1000) return 'PageSize must be between 1 and 1000';
    const page = q.Page === undefined ? 0 : Number(q.Page);
    if (!Number.isInteger(page) || page < 0) return 'Page must be a non-negative integer';
    if (q.PageToken === undefined) return { size, page, offset: page * size };
    const offset = decodePageToken(String(q.PageToken));
    if (offset === undefined || Math.floor(offset / size) !== page) return 'PageToken is invalid for this Page';
    return { size, page, offset };
  }

  /** One page of a list, with the 2010 envelope (relative `*_page_uri`) or the v1 `meta` (absolute `*_page_url`). */
  private page(
    res: Response,
    key: string,
    all: unknown[],
    path: string,
    filters: Array<[string, string]>,
    { size, page, offset }: { size: number; page: number; offset: number },
    v1: boolean,
    origin = ''
  ): void {
    const items = all.slice(offset, offset + size);
    const hasMore = offset + size < all.length;
    const link = (p: number, token?: string) => {
      const params = new URLSearchParams([
        ...filters,
        ['PageSize', String(size)],
        ['Page', String(p)],
        ...(token ? [['PageToken', token] as [string, string]] : []),
      ]);
      return `${origin}${path}?${params.toString()}`;
    };
    const next = hasMore ? link(page + 1, encodePageToken(offset + size)) : null;
    const previous = page > 0 ? link(page - 1, encodePageToken(Math.max(0, offset - size))) : null;
    if (v1) {
      res.json({
        [key]: items,
        meta: {
          first_page_url: link(0),
          key,
          next_page_url: next,
          page,
          page_size: size,
          previous_page_url: previous,
          url: link(page),
        },
      });
      return;
    }
    res.json({
      end: items.length ? offset + items.length - 1 : 0,
      first_page_uri: link(0),
      next_page_uri: next,
      page,
      page_size: size,
      previous_page_uri: previous,
      start: offset,
      uri: link(page),
      [key]: items,
    });
  }
}

function twilioError(status: number, message: string) {
  const code =
    status === 401
      ? 20003
      : status === 403
        ? 20403
        : status === 404
          ? 20404
          : status === 429
            ? 20429
            : status >= 500
              ? status === 503
                ? 20503
                : 20500
              : 20001;
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

/** `YYYY-MM-DD` (GMT) or an offset from today such as `-30days`; undefined when absent, null when invalid. */
function parseDateParam(v: unknown, today: number): number | undefined | null {
  if (v === undefined) return undefined;
  const s = String(v);
  const offset = /^([+-])(\d+)days$/.exec(s);
  if (offset) return today + (offset[1] === '-' ? -1 : 1) * Number(offset[2]) * DAY_SECONDS;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return null;
  const t = Date.parse(`${s}T00:00:00Z`);
  return Number.isNaN(t) ? null : t / 1000;
}

/** Monitor dates: `YYYY-MM-DD` (a whole day) or `YYYY-MM-DDThh:mm:ssZ`. Seconds; an end date's day is inclusive. */
function parseAlertDate(v: unknown, end: boolean): number | undefined | null {
  if (v === undefined) return undefined;
  const s = String(v);
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) {
    const t = Date.parse(`${s}T00:00:00Z`);
    return Number.isNaN(t) ? null : t / 1000 + (end ? DAY_SECONDS : 0);
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(s)) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : t / 1000 + (end ? 1 : 0);
}

/** The [from, to] day ranges a subresource reports, one record per range per category. */
function periodsOf(
  sub: (typeof LIST_SUBRESOURCES)[number] | 'Records',
  start: number | undefined,
  end: number | undefined,
  today: number,
  firstDay: number
): Array<[number, number]> {
  const clampEnd = Math.min(end ?? today, today);
  const monthOf = (d: number) => utcMonthStart(new Date(d * 1000));
  const nextMonth = (d: number) => {
    const x = new Date(d * 1000);
    return Date.UTC(x.getUTCFullYear(), x.getUTCMonth() + 1, 1) / 1000;
  };
  switch (sub) {
    case 'Today':
      return [[today, today]];
    case 'Yesterday':
      return [[today - DAY_SECONDS, today - DAY_SECONDS]];
    case 'ThisMonth':
      return [[monthOf(today), today]];
    case 'LastMonth': {
      const first = monthOf(monthOf(today) - DAY_SECONDS);
      return [[first, monthOf(today) - DAY_SECONDS]];
    }
    case 'AllTime':
      return [[firstDay, today]];
    case 'Records':
      return [[start ?? firstDay, clampEnd]];
    case 'Daily': {
      const out: Array<[number, number]> = [];
      for (let d = start ?? today - 30 * DAY_SECONDS; d <= clampEnd; d += DAY_SECONDS) out.push([d, d]);
      return out;
    }
    case 'Monthly':
    case 'Yearly': {
      const out: Array<[number, number]> = [];
      let d = monthOf(start ?? firstDay);
      if (sub === 'Yearly') d = Date.UTC(new Date(d * 1000).getUTCFullYear(), 0, 1) / 1000;
      while (d <= clampEnd) {
        let next = nextMonth(d);
        if (sub === 'Yearly') next = Date.UTC(new Date(d * 1000).getUTCFullYear() + 1, 0, 1) / 1000;
        out.push([Math.max(d, start ?? d), Math.min(next - DAY_SECONDS, clampEnd)]);
        d = next;
      }
      return out;
    }
  }
}

/** An ISO 8601 date or date-time (GMT) as RFC 2822: `Sun, 15 Nov 2026 00:00:00 +0000`. */
function rfc2822(value: unknown): unknown {
  const text = String(value);
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  return Number.isNaN(ms) ? value : new Date(ms).toUTCString().replace('GMT', '+0000');
}

function isoDay(sec: number): string {
  return new Date(sec * 1000).toISOString().slice(0, 10);
}

function round5(n: number): number {
  return Math.round(n * 1e5) / 1e5;
}

function hex32(key: string): string {
  return createHash('md5').update(key).digest('hex');
}

function encodePageToken(offset: number): string {
  return `PA${Buffer.from(`offset:${offset}`).toString('base64url')}`;
}

function decodePageToken(token: string): number | undefined {
  if (!token.startsWith('PA')) return undefined;
  const m = /^offset:(\d+)$/.exec(Buffer.from(token.slice(2), 'base64url').toString('utf8'));
  return m ? Number(m[1]) : undefined;
}
