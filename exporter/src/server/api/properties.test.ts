// Property-based tests of request bodies: whatever JSON (or almost-JSON) arrives, the API answers a
// 2xx or a documented 4xx in the one error shape, never a 5xx, and never echoes a credential: neither
// the stored one nor one inside the rejected body.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ERROR_CODES } from './errors.js';
import { startApi, type ApiFixture, type Reply } from './testing.js';

const STORED = 'sk-admin-stored-prop-4c8e2a6f0b3d5e7a';
const SENT = 'sk-admin-sent-prop-7b1d3f5a9c2e4f6b';
// Base URLs that cannot reach anything: a valid body may create a polling account.
const DEAD_URLS = ['http://127.0.0.1:9/v1', 'http://127.0.0.1:9/', 'https://127.0.0.1:9/x'];

const FIELDS = [
  'adminKey',
  'projectKey',
  'baseUrl',
  'pollIntervalSeconds',
  'enabled',
  'lookbackDays',
  'usageEndpoints',
  'pageSize',
  'account',
  '__proto__',
  'constructor',
  'budgets',
  'provider',
  'period',
  'amountUsd',
];

/** JSON values that hit the schemas' edges, with the secret mixed in. */
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom<unknown>(
      SENT,
      STORED,
      ` ${SENT}`,
      null,
      true,
      false,
      0,
      -1,
      10,
      86_401,
      1e308,
      'completions',
      'day',
      'month',
      'openai',
      'prod',
      '',
      ...DEAD_URLS
    ),
    fc.string(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string()), tie('v'), { maxKeys: 5 })
  ),
})).v;

/**
 * A credential a valid body sets is registered for redaction, rightly: a key that happens to be "openai"
 * is then masked in every answer that says "openai". So the credentials sent are the two test keys, or
 * too short to be registered (under 6 characters); any other string is replaced by SENT.
 */
function withTestCredentials(b: unknown): unknown {
  if (b === null || typeof b !== 'object' || Array.isArray(b)) return b;
  const out = { ...(b as Record<string, unknown>) };
  for (const field of ['adminKey', 'projectKey']) {
    const v = out[field];
    if (Object.hasOwn(out, field) && typeof v === 'string' && v.length >= 6 && ![SENT, STORED, ` ${SENT}`].includes(v))
      out[field] = SENT;
  }
  return out;
}

const body = fc
  .oneof(fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 8 }), value, fc.jsonValue())
  .map(withTestCredentials);

function checkAnswer(r: Reply, what: string): void {
  assert.ok(r.status < 500, `${what}: ${r.status} ${r.text}`);
  assert.ok(!r.text.includes(STORED) && !r.text.includes(SENT), `${what}: a credential was echoed: ${r.text}`);
  // Redaction is the second line of defence; the first is never echoing a value, so an answer that
  // needed redacting is a failure too (and would hide an echo once a key is registered).
  assert.ok(!r.text.includes('[REDACTED]'), `${what}: an answer needed redaction: ${r.text}`);
  if (r.status >= 400) {
    const e = r.json?.error;
    assert.ok(e && typeof e.message === 'string' && e.code in ERROR_CODES, `${what}: not the error shape: ${r.text}`);
    assert.equal(
      ERROR_CODES[e.code as keyof typeof ERROR_CODES],
      r.status,
      `${what}: code ${e.code} with status ${r.status}`
    );
    for (const d of e.details ?? [])
      assert.ok(
        typeof d.field === 'string' && typeof d.message === 'string',
        "typeof d.field === 'string' && typeof d.message === 'string'"
      );
  }
}

/** What the API read from a raw body it accepted: its JSON (an empty body is no change). */
function parsedOrEmpty(text: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return {};
  }
}

describe('request bodies (property-based)', () => {
  let api: ApiFixture;
  /** The adminKey of the last change to `prod` that was acknowledged: a valid random body may set any key. */
  let ackedKey = STORED;
  const track = (name: string, r: Reply, body: unknown) => {
    if (name !== 'prod' || r.status >= 300) return;
    if (body !== null && typeof body === 'object' && Object.hasOwn(body, 'adminKey'))
      ackedKey = (body as { adminKey: string }).adminKey;
  };
  before(async () => {
    api = await startApi();
    const r = await api.call('PUT', '/api/v1/providers/openai/accounts/prod', {
      body: { adminKey: STORED, baseUrl: DEAD_URLS[0], enabled: false },
    });
    assert.equal(r.status, 201);
  });
  after(() => api.remove());

  it('PUT account: never a 5xx, never an echoed credential', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('prod', 'other'), body, async (name, b) => {
        const r = await api.call('PUT', `/api/v1/providers/openai/accounts/${name}`, { body: b });
        checkAnswer(r, `PUT ${name} ${JSON.stringify(b)}`);
        track(name, r, b);
      }),
      { numRuns: 150 }
    );
  });

  it('POST test: never a 5xx, never an echoed credential', async () => {
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        // Only bodies that cannot reach a real host: a test may probe a supplied baseUrl.
        fc.pre(!JSON.stringify(b).includes('http') || DEAD_URLS.some((u) => JSON.stringify(b).includes(u)));
        checkAnswer(
          await api.call('POST', '/api/v1/providers/openai/accounts/prod/test', { body: b }),
          `POST ${JSON.stringify(b)}`
        );
      }),
      { numRuns: 60 }
    );
  });

  it('PUT budgets: never a 5xx, never an echoed credential', async () => {
    const budget = fc.record(
      {
        provider: fc.constantFrom<unknown>('openai', 'nope', SENT),
        account: fc.constantFrom<unknown>('prod', 'ghost', STORED, 1),
        period: fc.constantFrom<unknown>('day', 'month', 'week'),
        amountUsd: value,
      },
      { requiredKeys: [] }
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.record({ budgets: fc.array(budget, { maxLength: 4 }) }), body), async (b) => {
        checkAnswer(await api.call('PUT', '/api/v1/budgets', { body: b }), `PUT budgets ${JSON.stringify(b)}`);
      }),
      { numRuns: 100 }
    );
  });

  it('raw bytes with any content type: never a 5xx, never an echoed credential', async () => {
    const raw = fc.oneof(
      fc.string().map((s) => `{"adminKey":"${SENT}",${s}`),
      fc.string(),
      fc.constantFrom(
        `{"adminKey":"${SENT}"`,
        `["${SENT}"]`,
        `"${SENT}"`,
        '\uFEFF{}',
        '{"a":1}{"b":2}',
        'null',
        '{'.repeat(5000)
      )
    );
    const type = fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/json; charset=utf-16',
      'application/x-www-form-urlencoded',
      'application/vnd.api+json'
    );
    await fc.assert(
      fc.asyncProperty(raw, type, fc.constantFrom('PUT', 'POST'), async (text, contentType, method) => {
        const path =
          method === 'PUT' ? '/api/v1/providers/openai/accounts/prod' : '/api/v1/providers/openai/accounts/prod/test';
        fc.pre(!text.includes('http'));
        const r = await api.call(method, path, { raw: text, headers: { 'content-type': contentType } });
        checkAnswer(r, `${method} ${contentType} ${text}`);
        if (method === 'PUT' && r.status < 300) track('prod', r, parsedOrEmpty(text));
      }),
      { numRuns: 120 }
    );
  });

  it('leaves the stored account usable and its key unchanged unless a valid body changed it', async () => {
    const r = await api.call('GET', '/api/v1/providers/openai/accounts/prod');
    assert.equal(r.status, 200);
    const key = api.running.exporter.pollers.get('openai/prod')!.config.adminKey;
    assert.equal(key, ackedKey, 'the key is the last one a 2xx answer acknowledged');
    const stored = api.running.exporter.credentials!.snapshot().accounts.find((a) => a.account === 'prod');
    assert.equal(stored?.fields.adminKey, ackedKey, 'and the store holds the same');
    assert.ok(!api.logs.join('\n').includes(STORED) && !api.logs.join('\n').includes(SENT), 'no key reached the log');
  });
});
