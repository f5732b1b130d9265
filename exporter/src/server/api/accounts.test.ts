// Accounts and budgets through the admin API: validation messages per field, write-only credentials,
// the config-file precedence (409), persistence across a restart, budgets in /metrics, and the
// transport errors (413, 415, 405, 404). No account here polls anything: they are disabled or point
// at a closed port.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { redact } from '../../log.js';
import { startApi, type ApiFixture } from './testing.js';

const KEY = 'sk-admin-accounts-test-1a2b3c4d5e6f7a8b';
const KEY2 = 'sk-admin-accounts-test-rotated-99887766';
const NOWHERE = 'http://127.0.0.1:9/v1';
const CONFIG_KEY = 'sk-admin-from-config-file-0f0e0d0c0b0a';

const acct = (name: string) => `/api/v1/providers/openai/accounts/${name}`;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const details = (r: { json: any }) =>
  Object.fromEntries(
    (r.json.error.details as Array<{ field: string; message: string }>).map((d) => [d.field, d.message])
  );

describe('accounts through the admin API', () => {
  let api: ApiFixture;
  before(async () => {
    api = await startApi({
      config: {
        providers: { openai: [{ account: 'from-file', adminKey: CONFIG_KEY, baseUrl: NOWHERE, enabled: false }] },
        budgets: [{ provider: 'openai', account: 'from-file', period: 'month', amountUsd: 500 }],
      },
    });
  });
  after(() => api.remove());

  it('lists every provider, with the config-file account and empty lists to offer "add"', async () => {
    const r = await api.call('GET', '/api/v1/providers');
    assert.equal(r.status, 200);
    const openai = r.json.providers.find((p: { provider: string }) => p.provider === 'openai');
    assert.equal(openai.implemented, true);
    const fromFile = openai.accounts.find((a: { account: string }) => a.account === 'from-file');
    assert.equal(fromFile.source, 'config');
    assert.deepEqual(fromFile.credentials, { adminKey: { set: true, last4: CONFIG_KEY.slice(-4) } });
    assert.equal(fromFile.baseUrl, NOWHERE);
    assert.equal(fromFile.up, false);
    assert.ok(!r.text.includes(CONFIG_KEY), '!r.text.includes(CONFIG_KEY)');
    const others = r.json.providers.filter((p: { provider: string }) => p.provider !== 'openai');
    assert.ok(
      others.length >= 1 && others.every((p: { accounts: unknown[] }) => Array.isArray(p.accounts)),
      'others.length >= 1 && others.every((p: { accounts: unknown[] }) => Array.isArray(p.accounts))'
    );
  });

  it('reports each invalid field with its own message', async () => {
    const r = await api.call('PUT', acct('bad'), {
      body: {
        pollIntervalSeconds: 2,
        baseUrl: 'ftp://x',
        enabled: 'yes',
        lookbackDays: 99,
        usageEndpoints: ['nope'],
        colour: 'red',
      },
    });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, 'VALIDATION_ERROR');
    assert.deepEqual(details(r), {
      adminKey: 'is required',
      pollIntervalSeconds: 'Too small: expected number to be >=10',
      baseUrl: 'must be an http(s) URL',
      enabled: 'must be a boolean',
      lookbackDays: 'Too big: expected number to be <=31',
      'usageEndpoints[0]': details(r)['usageEndpoints[0]'],
      colour: 'unknown field',
    });
    assert.match(details(r)['usageEndpoints[0]']!, /^must be one of "completions"/);
    assert.equal((await api.call('GET', acct('bad'))).status, 404, 'nothing was created');
  });

  it('names the field for a wrong type, a whitespace-padded key, a bad account name and a mismatched body account', async () => {
    assert.deepEqual(details(await api.call('PUT', acct('bad'), { body: { adminKey: 42 } })), {
      adminKey: 'must be a string',
    });
    assert.deepEqual(details(await api.call('PUT', acct('bad'), { body: { adminKey: ` ${KEY}` } })), {
      adminKey: 'adminKey has leading or trailing whitespace',
    });
    const badName = await api.call('PUT', acct('-bad'), { body: { adminKey: KEY } });
    assert.equal(badName.status, 400);
    assert.deepEqual(Object.keys(details(badName)), ['account']);
    assert.deepEqual(
      Object.keys(details(await api.call('PUT', acct('x1'), { body: { account: 'x2', adminKey: KEY } }))),
      ['account']
    );
    const notObject = await api.call('PUT', acct('x1'), { body: [1, 2] });
    assert.equal(notObject.status, 400);
    assert.deepEqual(details(notObject), { '(body)': 'must be a JSON object' });
  });

  it('creates (201), reads, and updates (200) with write-only credentials', async () => {
    const created = await api.call('PUT', acct('team-a'), {
      body: { adminKey: KEY, baseUrl: NOWHERE, enabled: false, lookbackDays: 5 },
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.source, 'api');
    assert.deepEqual(created.json.credentials, { adminKey: { set: true, last4: KEY.slice(-4) } });
    assert.equal(created.json.settings.lookbackDays, 5);
    assert.ok(!created.text.includes(KEY), '!created.text.includes(KEY)');

    // An update without the key keeps it; other fields change.
    const updated = await api.call('PUT', acct('team-a'), { body: { pollIntervalSeconds: 120 } });
    assert.equal(updated.status, 200);
    assert.equal(updated.json.pollIntervalSeconds, 120);
    assert.equal(updated.json.settings.lookbackDays, 5, 'omitted fields keep their stored value');
    assert.deepEqual(updated.json.credentials.adminKey, { set: true, last4: KEY.slice(-4) });
    assert.equal(
      api.running.exporter.pollers.get('openai/team-a')!.config.adminKey,
      KEY,
      'the poller still has the stored key'
    );

    // null resets a field to its default; a new key replaces the old one.
    const reset = await api.call('PUT', acct('team-a'), { body: { lookbackDays: null, adminKey: KEY2 } });
    assert.equal(reset.json.settings.lookbackDays, 3);
    assert.equal(reset.json.credentials.adminKey.last4, KEY2.slice(-4));
    assert.equal(api.running.exporter.pollers.get('openai/team-a')!.config.adminKey, KEY2);

    const got = await api.call('GET', acct('team-a'));
    assert.equal(got.status, 200);
    assert.equal(got.json.pollIntervalSeconds, 120);
    assert.equal(
      (await api.call('PUT', acct('team-a'), { body: { adminKey: null } })).status,
      400,
      'a required credential cannot be removed'
    );
  });

  it('refuses to send a stored credential to a new baseUrl unless it is sent again', async () => {
    await api.call('PUT', acct('pinned'), { body: { adminKey: KEY, baseUrl: NOWHERE, enabled: false } });
    const moved = await api.call('PUT', acct('pinned'), { body: { baseUrl: 'http://127.0.0.1:10/v1' } });
    assert.equal(moved.status, 400);
    assert.deepEqual(Object.keys(details(moved)), ['adminKey']);
    assert.equal(api.running.exporter.pollers.get('openai/pinned')!.config.baseUrl, NOWHERE, 'nothing changed');
    const tested = await api.call('POST', `${acct('pinned')}/test`, { body: { baseUrl: 'http://127.0.0.1:10/v1' } });
    assert.equal(tested.status, 400, 'not even for a connection test');
    const resent = await api.call('PUT', acct('pinned'), {
      body: { baseUrl: 'http://127.0.0.1:10/v1', adminKey: KEY },
    });
    assert.equal(resent.status, 200);
    assert.equal(resent.json.baseUrl, 'http://127.0.0.1:10/v1');

    // Any address field counts, not only baseUrl: exa's adminBaseUrl receives the service key.
    const exa = '/api/v1/providers/exa/accounts/pinned';
    assert.equal(
      (
        await api.call('PUT', exa, {
          body: { serviceKey: KEY, baseUrl: NOWHERE, adminBaseUrl: NOWHERE, enabled: false },
        })
      ).status,
      201
    );
    const exaMoved = await api.call('PUT', exa, { body: { adminBaseUrl: 'http://127.0.0.1:10/team' } });
    assert.equal(exaMoved.status, 400);
    assert.deepEqual(Object.keys(details(exaMoved)), ['serviceKey']);
    assert.match(details(exaMoved).serviceKey!, /adminBaseUrl changes/);
    assert.equal(
      (await api.call('PUT', exa, { body: { pollIntervalSeconds: 600 } })).status,
      200,
      'other changes need no credentials'
    );
  });

  it('treats credentials in a URL as secrets: masked in every answer, the masked URL sent back means the stored one', async () => {
    const PASSWORD = 'pr0xy-pa55word-7f3e';
    const TOKEN_IN_QUERY = 'qs-token-5d4c3b2a1f';
    const url = `http://proxy-user:${PASSWORD}@127.0.0.1:9/v1?token=${TOKEN_IN_QUERY}`;
    const created = await api.call('PUT', acct('proxied'), { body: { adminKey: KEY, baseUrl: url, enabled: false } });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.baseUrl, 'http://[REDACTED]@127.0.0.1:9/v1?token=[REDACTED]');
    const exa = await api.call('PUT', '/api/v1/providers/exa/accounts/proxied', {
      body: { serviceKey: KEY, baseUrl: NOWHERE, adminBaseUrl: url, enabled: false },
    });
    assert.equal(exa.status, 201, exa.text);
    assert.equal(exa.json.settings.adminBaseUrl, 'http://[REDACTED]@127.0.0.1:9/v1?token=[REDACTED]');
    const answers = [created, exa, await api.call('GET', '/api/v1/providers'), await api.call('GET', acct('proxied'))];
    for (const secret of [PASSWORD, TOKEN_IN_QUERY, `proxy-user:${PASSWORD}`]) {
      assert.ok(
        answers.every((a) => !a.text.includes(secret)),
        `${secret} in an answer`
      );
      assert.ok(!redact(`calling ${url}`).includes(secret), `${secret} is registered for redaction`);
    }
    // A client that sends back what it read changes nothing and needs no credentials.
    const back = await api.call('PUT', acct('proxied'), {
      body: { baseUrl: created.json.baseUrl, pollIntervalSeconds: 600 },
    });
    assert.equal(back.status, 200, back.text);
    assert.equal(api.running.exporter.pollers.get('openai/proxied')!.config.baseUrl, url);
    const exaBack = await api.call('PUT', '/api/v1/providers/exa/accounts/proxied', {
      body: { adminBaseUrl: exa.json.settings.adminBaseUrl },
    });
    assert.equal(exaBack.status, 200, exaBack.text);
    assert.equal(api.running.exporter.pollers.get('exa/proxied')!.config.adminBaseUrl, url);
    assert.ok(!api.logs.join('\n').includes(PASSWORD), "!api.logs.join('\\n').includes(PASSWORD)");
  });

  it('treats config-file accounts as read-only (409) and unknown ones as 404', async () => {
    const put = await api.call('PUT', acct('from-file'), { body: { enabled: true } });
    assert.equal(put.status, 409);
    assert.equal(put.json.error.code, 'CONFLICT');
    assert.match(put.json.error.message, /configuration file/);
    assert.equal((await api.call('DELETE', acct('from-file'))).status, 409);
    assert.equal(api.running.exporter.pollers.get('openai/from-file')!.config.enabled, false);
    assert.equal((await api.call('DELETE', acct('never-existed'))).status, 404);
    assert.equal((await api.call('GET', acct('never-existed'))).status, 404);
    const unknown = await api.call('PUT', '/api/v1/providers/acme/accounts/x', { body: { adminKey: KEY } });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.code, 'NOT_FOUND');
  });

  it('deletes an API account: gone from the list and its series gone from /metrics', async () => {
    await api.call('PUT', acct('short-lived'), { body: { adminKey: KEY, baseUrl: NOWHERE, enabled: false } });
    assert.match(
      (await api.call('GET', '/metrics', { token: null })).text,
      /nexus_provider_poll_interval_seconds\{provider="openai",account="short-lived"\} \d+/
    );
    const del = await api.call('DELETE', acct('short-lived'));
    assert.equal(del.status, 204);
    assert.equal(del.text, '');
    assert.equal((await api.call('GET', acct('short-lived'))).status, 404);
    assert.doesNotMatch((await api.call('GET', '/metrics', { token: null })).text, /account="short-lived"/);
  });

  it('manages budgets: listed with their source, applied to nexus_budget_usd, config ones read-only', async () => {
    await api.call('PUT', acct('budgeted'), { body: { adminKey: KEY, baseUrl: NOWHERE, enabled: false } });
    const initial = await api.call('GET', '/api/v1/budgets');
    assert.deepEqual(initial.json.budgets, [
      { provider: 'openai', account: 'from-file', period: 'month', amountUsd: 500, source: 'config' },
    ]);

    const put = await api.call('PUT', '/api/v1/budgets', {
      body: {
        budgets: [
          { provider: 'openai', account: 'from-file', period: 'month', amountUsd: 500 },
          { provider: 'openai', account: 'from-file', period: 'day', amountUsd: 20 },
          { provider: 'openai', account: 'budgeted', period: 'month', amountUsd: 75.5 },
        ],
      },
    });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.json.budgets.length, 3, 'the config entry sent back is not duplicated');
    const metrics = (await api.call('GET', '/metrics', { token: null })).text;
    assert.match(metrics, /nexus_budget_usd\{provider="openai",account="budgeted",period="month"\} 75.5/);
    assert.match(metrics, /nexus_budget_usd\{provider="openai",account="from-file",period="day"\} 20/);
    assert.match(metrics, /nexus_budget_usd\{provider="openai",account="from-file",period="month"\} 500/);

    const conflict = await api.call('PUT', '/api/v1/budgets', {
      body: { budgets: [{ provider: 'openai', account: 'from-file', period: 'month', amountUsd: 1 }] },
    });
    assert.equal(conflict.status, 409);
    assert.deepEqual(Object.keys(details(conflict)), ['budgets[0]']);

    const invalid = await api.call('PUT', '/api/v1/budgets', {
      body: {
        budgets: [
          { provider: 'openai', account: 'ghost', period: 'month', amountUsd: 1 },
          { provider: 'openai', account: 'budgeted', period: 'week', amountUsd: -1 },
        ],
      },
    });
    assert.equal(invalid.status, 400);
    assert.deepEqual(details(invalid), {
      'budgets[1].period': 'must be one of "day", "month"',
      'budgets[1].amountUsd': 'must be greater than 0',
    });
    const ghost = await api.call('PUT', '/api/v1/budgets', {
      body: { budgets: [{ provider: 'openai', account: 'ghost', period: 'month', amountUsd: 1 }] },
    });
    assert.deepEqual(details(ghost), { 'budgets[0].account': 'no openai account has this name' });
    const dup = await api.call('PUT', '/api/v1/budgets', {
      body: {
        budgets: [
          { provider: 'openai', account: 'budgeted', period: 'day', amountUsd: 1 },
          { provider: 'openai', account: 'budgeted', period: 'day', amountUsd: 2 },
        ],
      },
    });
    assert.deepEqual(Object.keys(details(dup)), ['budgets[1].period']);
    assert.match(
      (await api.call('GET', '/metrics', { token: null })).text,
      /account="budgeted",period="month"\} 75.5/,
      'rejected requests changed nothing'
    );

    // Deleting the account takes its budgets with it.
    assert.equal((await api.call('DELETE', acct('budgeted'))).status, 204);
    assert.deepEqual(
      (await api.call('GET', '/api/v1/budgets')).json.budgets.map(
        (b: { account: string; period: string }) => `${b.account}/${b.period}`
      ),
      ['from-file/month', 'from-file/day']
    );
    assert.doesNotMatch((await api.call('GET', '/metrics', { token: null })).text, /account="budgeted"/);
  });

  it('answers 415 to a body that is not JSON and 413 to one that is too large', async () => {
    const text = await api.call('PUT', acct('x'), {
      raw: 'adminKey=abc',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(text.status, 415);
    assert.equal(text.json.error.code, 'UNSUPPORTED_MEDIA_TYPE');
    assert.equal((await api.call('PUT', acct('x'), { raw: '' })).status, 415, 'PUT always needs JSON');
    assert.equal(
      (await api.call('PUT', acct('x'), { raw: '{}', headers: { 'content-type': 'application/json; charset=latin1' } }))
        .status,
      415
    );
    // Any charset but UTF-8, as docs/admin-api.md promises; the body parser itself would decode utf-16.
    for (const charset of ['utf-16', 'UTF-16LE', '"utf-16be"', 'utf-32', 'iso-8859-1']) {
      const r = await api.call('PUT', acct('x'), {
        raw: Buffer.from('{"adminKey":"sk-admin-x"}', 'utf16le'),
        headers: { 'content-type': `application/json; charset=${charset}` },
      });
      assert.equal(r.status, 415, `charset=${charset}: ${r.text}`);
      assert.equal(r.json.error.code, 'UNSUPPORTED_MEDIA_TYPE');
    }
    for (const charset of ['utf-8', 'UTF-8', '"utf-8"']) {
      const r = await api.call('PUT', acct('x'), {
        raw: '{"enabled": "no"}',
        headers: { 'content-type': `application/json; charset=${charset}` },
      });
      assert.equal(r.status, 400, `charset=${charset} is read (and the body validated): ${r.text}`);
    }
    const big = await api.call('PUT', acct('x'), { body: { adminKey: KEY, padding: 'x'.repeat(20_000) } });
    assert.equal(big.status, 413);
    assert.equal(big.json.error.code, 'PAYLOAD_TOO_LARGE');
    const broken = await api.call('PUT', acct('x'), {
      raw: `{"adminKey": "${KEY}"`,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(broken.status, 400);
    assert.ok(!broken.text.includes(KEY), 'a parse error never quotes the body');
  });

  it('answers 405 with Allow to a wrong method and 404 to an unknown path', async () => {
    const r = await api.call('PATCH', acct('x'), { body: {} });
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'GET, PUT, DELETE');
    assert.equal((await api.call('DELETE', '/api/v1/budgets')).status, 405);
    const missing = await api.call('GET', '/api/v1/nothing-here');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.code, 'NOT_FOUND');
  });
});

describe('API-managed accounts across a restart', () => {
  it('come back from the encrypted store; a wrong key refuses to start', async () => {
    const first = await startApi();
    try {
      await first.call('PUT', acct('kept'), {
        body: { adminKey: KEY, baseUrl: NOWHERE, enabled: false, pollIntervalSeconds: 600 },
      });
      await first.call('PUT', '/api/v1/budgets', {
        body: { budgets: [{ provider: 'openai', account: 'kept', period: 'day', amountUsd: 9 }] },
      });
      await first.close();

      const second = await startApi({ stateDir: first.stateDir, masterKey: first.masterKey });
      try {
        const got = await second.call('GET', acct('kept'));
        assert.equal(got.status, 200);
        assert.equal(got.json.pollIntervalSeconds, 600);
        assert.equal(got.json.source, 'api');
        assert.equal(second.running.exporter.pollers.get('openai/kept')!.config.adminKey, KEY);
        assert.match(
          (await second.call('GET', '/metrics', { token: null })).text,
          /nexus_budget_usd\{provider="openai",account="kept",period="day"\} 9/
        );
      } finally {
        await second.close();
      }
      await assert.rejects(startApi({ stateDir: first.stateDir }), /different master key/);
    } finally {
      await first.remove();
    }
  });

  it('lets a config-file account of the same name win over the stored one', async () => {
    const first = await startApi();
    try {
      await first.call('PUT', acct('both'), { body: { adminKey: KEY, baseUrl: NOWHERE, enabled: false } });
      await first.close();
      const second = await startApi({
        stateDir: first.stateDir,
        masterKey: first.masterKey,
        config: {
          providers: { openai: [{ account: 'both', adminKey: CONFIG_KEY, baseUrl: NOWHERE, enabled: false }] },
        },
      });
      try {
        const got = await second.call('GET', acct('both'));
        assert.equal(got.json.source, 'config');
        assert.equal(got.json.credentials.adminKey.last4, CONFIG_KEY.slice(-4));
        assert.ok(
          second.logs.some((l) => /config file wins/.test(l)),
          'the shadowed stored account is reported'
        );
      } finally {
        await second.close();
      }
    } finally {
      await first.remove();
    }
  });
});
